"""Medical Imaging Downloader: everything but the entry point (main.py), the window's layouts
(mygui.py) and the DICOM networking (pacs.py). docs/ARCHITECTURE.md maps the modules."""
