# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The variable reference of a role's README, generated from its meta/argument_specs.yml.

The argument specs are the one source of every variable's type, default and meaning (Ansible
checks them before the role runs); the README shows them between two marker lines, and the unit
tests fail when that part is not what this renders (tests/unit/roles/test_role_readme.py).

    python scripts/lib/role_readme.py roles/backup_target           # rewrite the reference in place
    python scripts/lib/role_readme.py --check roles/backup_target   # exit 1 when it is out of date
"""

import argparse
import json
import os
import re
import sys

import yaml

BEGIN = '<!-- BEGIN generated from meta/argument_specs.yml by scripts/lib/role_readme.py: do not edit -->'
END = '<!-- END generated -->'

# ansible-doc markup in descriptions, as Markdown; the argument may hold one level of
# parentheses, as in C(second(s)).
_ARGUMENT = r'\(((?:[^()]|\([^()]*\))*)\)'
_MARKUP = [(re.compile(r'(?<![A-Za-z])' + letter + _ARGUMENT), markdown) for letter, markdown in (
    ('C', r'`\1`'), ('I', r'`\1`'), ('V', r'`\1`'), ('O', r'`\1`'), ('B', r'**\1**'))]


def _text(description):
    """One Markdown line from an ansible-doc description (a string or a list of paragraphs)."""
    parts = description if isinstance(description, list) else [description or '']
    text = ' '.join(' '.join(str(part).split()) for part in parts)
    for pattern, replacement in _MARKUP:
        text = pattern.sub(replacement, text)
    return text.replace('|', '\\|')


def _value(option):
    if option.get('required'):
        return 'required'
    if 'default' not in option:
        return ''
    return '`%s`' % json.dumps(option['default'])


def _type(option):
    kind = option.get('type', 'str')
    if kind == 'list' and option.get('elements'):
        kind = 'list of %s' % option['elements']
    if option.get('choices'):
        kind += ': ' + ', '.join('`%s`' % choice for choice in option['choices'])
    return kind


def _rows(options, prefix=''):
    for name in options:
        option = options[name] or {}
        yield '| `%s%s` | %s | %s | %s |' % (prefix, name, _type(option), _value(option),
                                             _text(option.get('description', '')))
        if option.get('options'):
            inner = prefix + name + ('[].' if option.get('type') == 'list' else '.')
            yield from _rows(option['options'], inner)


def render(specs):
    """The reference, in Markdown, of every entry point of an argument_specs document."""
    lines = []
    for entry, spec in specs['argument_specs'].items():
        lines.append('### `%s`: %s' % (entry, spec.get('short_description', '')))
        lines.append('')
        if spec.get('description'):
            for paragraph in spec['description'] if isinstance(spec['description'], list) else [spec['description']]:
                lines.append(_text(paragraph))
                lines.append('')
        if spec.get('options'):
            lines.append('| variable | type | default | description |')
            lines.append('|---|---|---|---|')
            lines.extend(_rows(spec['options']))
            lines.append('')
    return '\n'.join(lines).rstrip('\n') + '\n'


def updated(readme, reference):
    """The README's text with the part between the markers replaced by reference."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise ValueError('the README has no "%s" ... "%s" block to fill' % (BEGIN, END))
    return readme[:start + len(BEGIN)] + '\n\n' + reference + '\n' + readme[end:]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('role', help='the role directory (holds meta/argument_specs.yml and README.md)')
    parser.add_argument('--check', action='store_true', help='change nothing; exit 1 when the README is out of date')
    args = parser.parse_args(argv)
    with open(os.path.join(args.role, 'meta', 'argument_specs.yml')) as handle:
        reference = render(yaml.safe_load(handle))
    path = os.path.join(args.role, 'README.md')
    with open(path) as handle:
        readme = handle.read()
    wanted = updated(readme, reference)
    if wanted == readme:
        return 0
    if args.check:
        sys.stderr.write('%s: the variable reference is out of date; run python scripts/lib/role_readme.py %s\n'
                         % (path, args.role))
        return 1
    with open(path, 'w') as handle:
        handle.write(wanted)
    return 0


if __name__ == '__main__':
    sys.exit(main())
