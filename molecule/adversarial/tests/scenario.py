# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What this scenario's converge sets that its tests rely on (the tools are worm_client's)."""

# converge.yml sets the sweep's interval to 20 s; the timer may fire 5 s late (AccuracySec)
# and a sweep on a busy machine takes a while: every missed file is sealed within this.
SWEEP_INTERVAL = 20
SWEEP_BOUND = 60
