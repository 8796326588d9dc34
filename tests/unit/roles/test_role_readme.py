# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role README's variable reference is what scripts/lib/role_readme.py renders from
meta/argument_specs.yml: one source for every variable, and a README that cannot fall behind."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import os

import pytest
import yaml

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

_spec = importlib.util.spec_from_file_location('role_readme', os.path.join(TOP, 'scripts', 'lib', 'role_readme.py'))
role_readme = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(role_readme)


@pytest.mark.parametrize('role, shown', [
    ('backup_target', ('backup_target_clients[].profile', 'backup_target_sweep_interval')),
    ('backup_admin', ('backup_admin_client', 'backup_admin_confirm')),
])
def test_the_role_readme_reference_is_current(role, shown):
    path = os.path.join(TOP, 'roles', role)
    with open(os.path.join(path, 'meta', 'argument_specs.yml')) as handle:
        reference = role_readme.render(yaml.safe_load(handle))
    with open(os.path.join(path, 'README.md')) as handle:
        readme = handle.read()
    assert role_readme.updated(readme, reference) == readme, \
        'out of date: run python scripts/lib/role_readme.py roles/%s' % role
    for name in shown:
        assert '| `%s` |' % name in readme


def test_check_mode_of_the_script_reports_an_out_of_date_readme(tmp_path):
    (tmp_path / 'meta').mkdir()
    (tmp_path / 'meta' / 'argument_specs.yml').write_text(
        'argument_specs:\n  main:\n    short_description: S\n    options:\n'
        '      role_x:\n        type: int\n        default: 3\n        description: C(x) counts.\n')
    readme = tmp_path / 'README.md'
    readme.write_text('# R\n\n%s\nold\n%s\n' % (role_readme.BEGIN, role_readme.END))
    assert role_readme.main(['--check', str(tmp_path)]) == 1
    assert 'old' in readme.read_text()
    assert role_readme.main([str(tmp_path)]) == 0
    assert '| `role_x` | int | `3` | `x` counts. |' in readme.read_text()
    assert role_readme.main(['--check', str(tmp_path)]) == 0


@pytest.mark.parametrize('description, markdown', [
    ('C(second(s)) and I(ssh_keys)', '`second(s)` and `ssh_keys`'),
    (['B(Never) follows', 'a link.'], '**Never** follows a link.'),
    ('a | b, MAC(x) stays', 'a \\| b, MAC(x) stays'),
])
def test_ansible_doc_markup_becomes_markdown(description, markdown):
    assert role_readme._text(description) == markdown  # pylint: disable=protected-access


def test_options_render_type_default_and_nesting():
    rows = list(role_readme._rows({  # pylint: disable=protected-access
        'clients': {'type': 'list', 'elements': 'dict', 'default': [], 'description': 'All.',
                    'options': {'name': {'type': 'str', 'required': True, 'description': 'Its name.'},
                                'kind': {'type': 'str', 'choices': ['a', 'b'], 'default': 'a', 'description': 'K.'}}},
    }))
    assert rows == [
        '| `clients` | list of dict | `[]` | All. |',
        '| `clients[].name` | str | required | Its name. |',
        '| `clients[].kind` | str: `a`, `b` | `"a"` | K. |',
    ]


def test_a_readme_without_markers_is_an_error():
    with pytest.raises(ValueError, match='no .* block'):
        role_readme.updated('# R\n', 'x\n')
