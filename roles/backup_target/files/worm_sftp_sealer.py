# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""worm-sftp-sealer: seal finished uploads of the worm.sftp backup clients.

  python3 -I /usr/local/lib/worm-sftp/worm-sftp-sealer [--client NAME ...] [--textfile PATH --bound 900]
      seal every client (or those named) once: what the sweep runs; with --textfile, also
      write each client's figures for node_exporter's textfile collector. It seals first and
      reports after: a bad --bound or a textfile it cannot write is logged and makes the exit
      status 1, after every client has been sealed.
  python3 -I /usr/local/lib/worm-sftp/worm-sftp-sealer --watch
      wait for incron's kicks and seal the kicked clients: the sealer service

Installed by the worm.sftp.backup_target role, as worm-sftp-sealer beside the package
wormsftp (the collection's plugins/module_utils, the sealer package among them) and
layout.json (the paths the role and the sealer share). The logic is in wormsftp.sealer.
"""

import os
import sys

# python3 -I puts neither this directory nor the environment's paths on sys.path: the
# package comes from beside this file only (root's, like the file itself).
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from wormsftp import layout  # noqa: E402  pylint: disable=wrong-import-position
from wormsftp.sealer import cli  # noqa: E402  pylint: disable=wrong-import-position

if __name__ == '__main__':
    sys.exit(cli.main(layout.beside(__file__)))
