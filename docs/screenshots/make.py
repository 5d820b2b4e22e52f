#!/usr/bin/env python3
"""Make the README's screenshots from the demo, at 1366x768 and at 1920x1080.

    python3 docs/screenshots/make.py

For each screen size an Xvfb of that size is started and this file runs again in it (a Tk
process keeps the display it opened first). That run makes a throw-away demo user (its home
under a temporary folder, so no path of this checkout or of a test run is shown), starts the
demo PACS as `main.py demo` does, opens the window at the size it takes on that screen, and
walks the pages as a user would: the sheet loads, Search, one study ticked inside a cluster,
Download, the summary, Settings, Anonymization. Each page is captured with its menu bar
(ImageMagick `import` of the window's frame). 1366x768 files go beside this script under the
README's names; 1920x1080 files go into 1920x1080/.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
SIZES = {"1366x768": HERE, "1920x1080": HERE / "1920x1080"}


def capture(window, target: Path) -> None:
    """The window at (0, 0) with its menu bar: Tk puts the menu bar above the window's own area
    (there is no window manager, so no title bar), hence the crop starts at the screen's top."""
    window.refresh()
    root = window.TKroot
    w, h, top = root.winfo_width(), root.winfo_height(), root.winfo_rooty()
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["import", "-window", "root", "-crop", f"{w}x{h + top}+0+0", "+repage", "-strip",
                    "-colors", "256", f"PNG8:{target}"], check=True, timeout=30)
    print("wrote", target.relative_to(ROOT))


def walk(out: Path, home: Path) -> None:
    """In the Xvfb: the demo, page by page."""
    import time

    import peers as testpeers
    import main
    from mygui import Key
    from mid import demo
    from mid import settings as settings_mod
    os.environ["HOME"] = str(home)
    os.environ["MID_LOG_DIR"] = str(home / ".local" / "state" / "MedicalImagingDownloader" / "logs")
    cfg = home / "Medical Imaging Downloader" / "config"
    s = settings_mod.load_settings(cfg)
    settings_mod.save_user_defaults(cfg, dataclasses.replace(s.defaults, storage_root=str(home / "Research images")))
    me = s.self_peer
    settings_mod.save_peers(cfg, {**s.peers, settings_mod.SELF: dataclasses.replace(me, port=testpeers.free_port())})
    main.configure_process()
    with demo.running(cfg) as d:
        s = settings_mod.load_settings(cfg)
        project = demo.demo_paths(d.storage_root)[1].parent / main.DEMO_PROJECT
        a = main.App(s, project=project, sheet_path=d.sheet_path, demo_peer=d.peer_name, interactive=False,
                     opener=lambda p: None, confirm=lambda t: True, location=(0, 0))
        w = a.window
        try:
            assert a.run_until(lambda: a.pages.sheet.sheet is not None and not a.ctx.busy(), 60), a.ctx.messages
            a.pages.steps.show(0)
            a.run_until(lambda: False, 0.5)
            capture(w, out / "00_project.png")
            a.pages.steps.show(1)
            table = w[Key.QUERY_TABLE]
            table.update(select_rows=[0])
            w.write_event_value(Key.QUERY_TABLE, [0])
            a.run_until(lambda: False, 0.5)
            capture(w, out / "01_sheet.png")
            a.pages.steps.show(2)
            w[Key.SEARCH].click()
            assert a.run_until(lambda: a.pages.search.searched and not a.ctx.busy(), 60), a.ctx.messages
            a.pages.steps.show(2)
            a.run_until(lambda: False, 0.5)
            capture(w, out / "02_search.png")
            a.pages.steps.show(3)
            model = a.pages.select.model
            clusters = model.visible_clusters()
            several = [c for c in clusters if len(model.children(c)) > 1] or clusters
            a.pages.select.toggle(model.children(several[0])[0])          # one study of a cluster
            if len(clusters) > 1:
                a.pages.select.toggle(next(c for c in clusters if c != several[0]))   # and a whole cluster
            a.run_until(lambda: False, 0.5)
            capture(w, out / "03_select.png")
            w[Key.NEXT].click()
            a.run_until(lambda: a.pages.steps.index == 4, 5)
            w[Key.DOWNLOAD].click()
            a.run_until(lambda: (a.pages.download.view.progress is not None
                                 and a.pages.download.view.progress.instances_done > 5) or a.pages.download.result, 60)
            a.pages.download.draw(force=True)
            capture(w, out / "04_download.png")
            assert a.run_until(lambda: a.pages.download.result is not None and not a.ctx.busy(), 120), a.ctx.messages
            a.run_until(lambda: False, 0.5)
            capture(w, out / "05_summary.png")
            w[Key.TAB_SETTINGS].select()
            a.run_until(lambda: False, 0.5)
            capture(w, out / "06_settings.png")
            w[Key.TAB_ANON].select()
            a.run_until(lambda: False, 0.5)
            capture(w, out / "07_anonymization.png")
            time.sleep(0.1)
        finally:
            a.shutdown()


def main() -> int:
    if len(sys.argv) == 3:                       # the child, inside its Xvfb
        walk(Path(sys.argv[1]), Path(sys.argv[2]))
        return 0
    import peers as testpeers
    if shutil.which("import") is None:
        sys.exit("make.py: ImageMagick's `import` is needed (Debian package imagemagick)")
    home = Path(tempfile.gettempdir()) / "home" / "demo"      # what the pictures show as the user's home
    for size, out in SIZES.items():
        with tempfile.TemporaryDirectory(prefix="mid-shots-") as tmp:
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir(parents=True)
            server = testpeers.XvfbServer(Path(tmp) / "xvfb", screen=size + "x24").start()
            try:
                env = {**os.environ, "DISPLAY": server.display}
                subprocess.run([sys.executable, __file__, str(out), str(home)], env=env, check=True, timeout=600)
            finally:
                server.stop()
                shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
