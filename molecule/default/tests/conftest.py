# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# The shared testinfra fixtures (molecule/shared, on PYTHONPATH through the molecule config).
from worm_testinfra import host, journal_on_failure, one_platform_host, pytest_runtest_makereport  # noqa: F401  pylint: disable=unused-import
