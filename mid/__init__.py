"""Medical Imaging Downloader: everything but the entry point and the window's loop (main.py),
the window's layouts (mygui.py) and the DICOM networking (pacs.py).

Read it in the order of the flow (docs/ARCHITECTURE.md has one line per module):
vocab, configfiles, peerconfig, schedule, settings → sheetfiles, querysheet, dates → search → selection →
retrieve → store (where an image is written) → anonymizer, pixels (burned-in text), pixel_ocr →
project, lock → reports; engine is the front door the window (pages, page_*) and the headless commands (cli) use.
"""
