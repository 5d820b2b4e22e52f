"""Starts Medical Imaging Downloader without a console window (Windows: double-click this file).

pythonw.exe runs .pyw files with no console; everything else is main.py's: paths are resolved
from this file's folder, not from the working folder.
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import main  # noqa: E402  (after the path fix above)

if __name__ == "__main__":
    sys.exit(main.main())
