"""Run by tests/test_gui_fit.py in a subprocess on an Xvfb display of a given size (a Tk
process keeps the display it first opened, so a second screen size needs its own process).

    python3 tests/gui_fit_probe.py CONFIG_DIR

Opens the real window as a user would (size from mygui.window_size for that screen), shows
every page of the Main tab (the Download page with its summary and buttons shown), the
Settings and the Anonymization tabs, and prints one JSON object: the screen, the window's
size, and per page the size the layout asks for and where the widgets that must be seen end.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MUST_SEE = {                                 # page -> widgets that must be on screen there
    "Project": ["-STATUS-", "-LOAD-SHEET-"],
    "Sheet": ["-STATUS-", "-ROW-REASON-", "-QUERY-TABLE-"],
    "Search": ["-STATUS-", "-FAILED-"],
    "Select": ["-STATUS-", "-SEL-COUNT-", "-TREE-", "-Q-TABLE-", "-Q-REASON-", "-F-CLEAR-", "-SEL-C-INVERT-",
               "-TREE-DETAIL-"],
    "Download": ["-STATUS-", "-OPEN-IMAGES-", "-OPEN-REPORTS-", "-SUMMARY-", "-DL-CANCEL-"],
    "Settings": ["-STATUS-", "-S-SAVE-", "-P-CLEAR-"],
    "Anonymization": ["-STATUS-", "-A-SAVE-"],
}


def main(config_dir: str) -> None:
    import main as mainmod
    import mygui
    from mygui import Key
    from mid import settings as settings_mod
    app = mainmod.App(settings_mod.load_settings(Path(config_dir)), interactive=False, opener=lambda p: None,
                      confirm=lambda t: True, location=(0, 0))
    w = app.window
    root = w.TKroot
    out = {"screen": list(mygui.sg.Window.get_screen_size()), "pages": {}}
    app.pages.steps.reached = 4

    def measure(name: str) -> None:
        for _ in range(3):
            w.refresh()
        x0, y0 = root.winfo_rootx(), root.winfo_rooty()
        widgets = {}
        for key in MUST_SEE[name]:
            el = w[key].Widget
            widgets[key] = {"mapped": bool(el.winfo_ismapped()), "left": el.winfo_rootx() - x0,
                            "top": el.winfo_rooty() - y0, "right": el.winfo_rootx() - x0 + el.winfo_width(),
                            "bottom": el.winfo_rooty() - y0 + el.winfo_height(), "height": el.winfo_height()}
        out["pages"][name] = {"req": [root.winfo_reqwidth(), root.winfo_reqheight()],
                              "size": [root.winfo_width(), root.winfo_height()], "widgets": widgets}

    for i, name in enumerate(mygui.STEPS):
        app.pages.steps.show(i)
        if name == "Download":
            w[Key.SUMMARY].update("Finished: 12 DOWNLOADED, 2 IGNORED.\nA second line.\n12 report workbooks in …")
            w[Key.SUMMARY_COL].update(visible=True)
        measure(name)
    w[Key.TAB_SETTINGS].select()
    measure("Settings")
    w[Key.TAB_ANON].select()
    measure("Anonymization")
    out["window"] = [root.winfo_width(), root.winfo_height()]
    out["menu"] = root.winfo_rooty()             # opened at (0, 0) with no window manager: the menu bar
    out["chosen"] = list(mygui.window_size(out["screen"]))
    app.shutdown()
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
