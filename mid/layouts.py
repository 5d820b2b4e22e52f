"""The window's layouts: the menu, the step bar, the five pages of the Main tab, the Settings
and Anonymization tabs, and the modal questions. mygui.py re-exports what the pages use
(make_window, MENU_DEF, SHORTCUTS, ask_locked_report), so callers keep `mygui.<name>`."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import PySimpleGUI as sg

from mygui import (APP_TITLE, FONT, FONT_BOLD, FONT_TITLE, NORMAL, PEER_COMBO_WIDTH, STEPS, Key,
                   ResultsModel)
# ---------------------------------------------------------------------------------------------
# Layouts

def _button(text: str, key: str, **kw) -> sg.Button:
    return sg.Button(text, key=key, button_color=NORMAL, font=FONT, **kw)


def step_bar() -> list:
    """Row of step indicators plus Back/Next."""
    items = [sg.Text(f" {i + 1}. {name} ", key=Key.STEP_LABELS[i], font=FONT, pad=(2, 4),
                     background_color="#eceff1", text_color="#777777", enable_events=True)
             for i, name in enumerate(STEPS)]
    return items + [sg.Push(), _button("◀ Back", Key.BACK), _button("Next ▶", Key.NEXT)]


def _project_page() -> sg.Column:
    return sg.Column([
        [sg.Text("Project", font=FONT_TITLE)],
        [sg.Text("A project is a folder: images/ holds the output; private/ holds the key, reports and state.",
                 font=FONT)],
        [sg.Text("Project folder:", font=FONT), sg.Text("(none yet: loading a sheet creates one under the "
                                                          "storage root)", key=Key.PROJECT_PATH, font=FONT_BOLD)],
        [_button("New project…", Key.NEW_PROJECT), _button("Open project…", Key.OPEN_PROJECT),
         _button("Load query sheet… (Ctrl+O)", Key.LOAD_SHEET)],
        [sg.Text("", key=Key.PROJECT_INFO, font=FONT, size=(100, 3))],
    ], key=Key.PAGES[0], expand_x=True, expand_y=True)


def _sheet_page(identifiers: Sequence[str]) -> sg.Column:
    headings = ["Row", "Query"] + list(identifiers) + ["Problem"]
    return sg.Column([
        [sg.Text("Studies of Interest (Queries)", font=FONT_TITLE), sg.Push(),
         _button("Load query sheet… (Ctrl+O)", Key.LOAD_SHEET_2)],
        [sg.Text("No sheet loaded.", key=Key.SHEET_INFO, font=FONT, expand_x=True)],
        [sg.Table(values=[], headings=headings, key=Key.QUERY_TABLE, auto_size_columns=False,
                  col_widths=[5, 6] + [10] * len(identifiers) + [30], justification="left", num_rows=12,
                  enable_events=True, select_mode=sg.TABLE_SELECT_MODE_BROWSE, expand_x=True, expand_y=True,
                  font=FONT, vertical_scroll_only=False, row_height=22)],
        [sg.Text("", key=Key.ROW_REASON, font=FONT, size=(100, 2),
                 text_color="#a00000")],
    ], key=Key.PAGES[1], visible=False, expand_x=True, expand_y=True)


def _search_page(peers: Sequence[str], source: str, exact: bool) -> sg.Column:
    return sg.Column([
        [sg.Text("Search the PACS", font=FONT_TITLE)],
        [sg.Text("Source:", font=FONT), sg.Combo(list(peers), default_value=source, key=Key.SOURCE, readonly=True,
                                                size=(PEER_COMBO_WIDTH, 1), font=FONT),
         _button("Test", Key.TEST_SOURCE),
         sg.Checkbox("Exact Study/Series Description", default=exact, key=Key.EXACT, font=FONT)],
        [_button("Search (Ctrl+F)", Key.SEARCH), _button("Cancel", Key.SEARCH_CANCEL, disabled=True)],
        [sg.ProgressBar(100, orientation="h", size=(60, 18), key=Key.SEARCH_BAR, expand_x=True)],
        [sg.Text("Not searched yet.", key=Key.SEARCH_STATUS, font=FONT, size=(100, 1))],
        [sg.Text("Found: 0", key=Key.FOUND, font=FONT_BOLD, size=(14, 1), text_color="#1b5e20"),
         sg.Text("Missing: 0", key=Key.MISSING, font=FONT_BOLD, size=(14, 1), text_color="#8d6e00"),
         sg.Text("Failed: 0", key=Key.FAILED, font=FONT_BOLD, size=(14, 1), text_color="#b71c1c")],
    ], key=Key.PAGES[2], visible=False, expand_x=True, expand_y=True)


def _select_page() -> sg.Column:
    filter_row = [
        sg.Text("Filter:", font=FONT), sg.Input("", key=Key.F_TEXT, size=(22, 1), font=FONT, enable_events=True,
                                               tooltip="text in the study or series description"),
        sg.Checkbox("Regex", key=Key.F_REGEX, font=FONT, enable_events=True),
        sg.Text("Modality:", font=FONT), sg.Combo(["All"], default_value="All", key=Key.F_MODALITY, size=(6, 1),
                                                  readonly=True, enable_events=True, font=FONT),
        sg.Text("Series #:", font=FONT), sg.Input("", key=Key.F_SERIESNO, size=(8, 1), font=FONT,
                                                  enable_events=True, tooltip="e.g. 1, 3-5"),
        sg.Text("Date from:", font=FONT), sg.Input("", key=Key.F_DATE_FROM, size=(11, 1), font=FONT,
                                                   enable_events=True, tooltip="YYYY-MM-DD"),
        sg.Text("to:", font=FONT), sg.Input("", key=Key.F_DATE_TO, size=(11, 1), font=FONT, enable_events=True,
                                            tooltip="YYYY-MM-DD"),
        _button("Clear", Key.F_CLEAR),
    ]
    select_row = [
        sg.Text("All shown:", font=FONT), _button("Select all", Key.SEL_ALL), _button("None", Key.SEL_NONE),
        _button("Invert", Key.SEL_INVERT), sg.Text("   This cluster:", font=FONT),
        _button("All", Key.SEL_C_ALL), _button("None", Key.SEL_C_NONE), _button("Invert", Key.SEL_C_INVERT),
    ]
    tree = sg.Tree(data=sg.TreeData(), headings=ResultsModel.TREE_HEADINGS, col0_heading="Study / series",
                   col0_width=24, col_widths=TREE_WIDTHS, auto_size_columns=False, num_rows=10,
                   key=Key.TREE, enable_events=True, select_mode=sg.TABLE_SELECT_MODE_BROWSE, show_expanded=True,
                   font=FONT, justification="left", row_height=22, expand_x=True, expand_y=True)
    queries = sg.Column([
        [sg.Text("Queries", font=FONT_BOLD), sg.Push(), _button("Show every query", Key.Q_ALL)],
        [sg.Table(values=[], headings=QUERY_HEADINGS, key=Key.Q_TABLE, auto_size_columns=False,
                  col_widths=[5, 10, 9, 5, 5, 11], justification="left", num_rows=10, enable_events=True,
                  select_mode=sg.TABLE_SELECT_MODE_EXTENDED, font=FONT, row_height=22, expand_x=True, expand_y=True,
                  tooltip="select query rows to see only their results (Ctrl/Shift for several)")],
        [sg.Text("Select query rows to see only their results.", key=Key.Q_REASON, font=FONT, size=(44, 3),
                 text_color="#37474f")],
    ], expand_x=True, expand_y=True, pad=(0, 0))
    results = sg.Column([
        select_row, [tree],
        [sg.Text("Click a row: it is ticked or unticked, and its statuses are told here.", key=Key.TREE_DETAIL,
                 font=FONT, size=(60, 1), expand_x=True, text_color="#37474f")],
        [sg.Text("Selected: nothing yet", key=Key.SEL_COUNT, font=FONT_BOLD, size=(60, 1), expand_x=True)],
    ], expand_x=True, expand_y=True, pad=(0, 0))
    return sg.Column([
        [sg.Text("Choose studies and series", font=FONT_TITLE),
         sg.Text("click a row to tick or untick it: a cluster, a study, or one series", font=FONT)],
        filter_row, [queries, sg.VerticalSeparator(pad=(2, 0)), results],
    ], key=Key.PAGES[3], visible=False, expand_x=True, expand_y=True)


#: the results tree's column widths (characters), after the description column
TREE_WIDTHS = [9, 10, 8, 4, 5, 6, 18]
#: the query list beside the results (page_select.query_rows)
QUERY_HEADINGS = ["Query", "Patient / acc.", "Status", "Series", "Ticked", "Why"]


def _download_page(peers: Sequence[str], destination: str, anonymize: bool) -> sg.Column:
    headings = ["Study", "Description", "Series", "Images", "Status"]
    summary = sg.Column([
        [sg.Text("", key=Key.SUMMARY, font=FONT_BOLD, size=(90, 3))],
        [_button("Open images folder", Key.OPEN_IMAGES), _button("Open reports folder", Key.OPEN_REPORTS)],
    ], key=Key.SUMMARY_COL, visible=False)
    return sg.Column([
        [sg.Text("Download", font=FONT_TITLE)],
        [sg.Text("Destination:", font=FONT), sg.Combo(list(peers), default_value=destination, key=Key.DEST,
                                                     readonly=True, size=(PEER_COMBO_WIDTH, 1), font=FONT),
         sg.Checkbox("Anonymize", default=anonymize, key=Key.ANON, font=FONT, enable_events=True),
         _button("Download (Ctrl+D)", Key.DOWNLOAD), _button("Cancel", Key.DL_CANCEL, disabled=True)],
        [sg.ProgressBar(1000, orientation="h", size=(60, 18), key=Key.DL_BAR, expand_x=True)],
        [sg.Text("Ready.", key=Key.DL_STATUS, font=FONT, size=(110, 1))],
        [sg.Table(values=[], headings=headings, key=Key.STUDY_TABLE, auto_size_columns=False,
                  col_widths=[8, 40, 10, 14, 16], justification="left", num_rows=8, font=FONT, row_height=22,
                  expand_x=True, expand_y=True)],
        [sg.pin(summary)],
    ], key=Key.PAGES[4], visible=False, expand_x=True, expand_y=True)


def main_tab(identifiers, peers, source, destination, exact, anonymize) -> list:
    pages = [_project_page(), _sheet_page(identifiers), _search_page(peers, source, exact), _select_page(),
             _download_page(peers, destination, anonymize)]
    return [step_bar(), [sg.HorizontalSeparator()]] + [[p] for p in pages]


PEER_HEADINGS = ["Name", "AE title", "Host", "Port", "Retrieve", "Model"]


def tls_fields() -> sg.Column:
    """A peer's DICOM TLS files (its "tls" block), beside the peer's address: an empty CA file means
    plain DICOM. For <SELF> they are our receiver's: its certificate, and the CA senders must have."""
    pad = (3, 1)

    def file_row(label: str, key: str, tip: str) -> list:
        return [sg.Text(label, size=(13, 1), font=FONT, pad=pad),
                sg.Input("", key=key, size=(24, 1), font=FONT, tooltip=tip, pad=pad, enable_events=True),
                sg.FileBrowse("…", target=key, font=FONT, pad=pad,
                              file_types=(("PEM", "*.pem *.crt *.key"), ("All files", "*")))]

    rows = [file_row("TLS CA file", Key.P_TLS_CA, "the certificates we trust (PEM); empty: plain DICOM"),
            file_row("TLS certificate", Key.P_TLS_CERT, "our certificate (PEM), if the other side asks for one"),
            file_row("TLS key", Key.P_TLS_KEY, "the key of our certificate (PEM)"),
            tls_options()]
    return sg.Column(rows, key=Key.P_TLS_FILES, pad=(0, 0), vertical_alignment="top")


def tls_options() -> list:
    """The TLS check box and message, the row under the TLS files."""
    return [sg.Checkbox("TLS: check the host name", default=True, key=Key.P_TLS_HOSTNAME, font=FONT,
                        tooltip="the PACS's certificate must name the host or IP address above"),
            sg.Text("", key=Key.err(Key.P_TLS_CA), font=FONT, text_color="#b71c1c", size=(30, 1))]


def settings_tab(values: dict) -> list:
    """values: storage_root, workers, timeouts, retries, date_window_days, date_order, peers_rows."""
    def field_row(label, key, value, width=10, tip=None, err_width=90):
        pad = (5, 1)                  # tight rows: the tab fits a 1366 x 768 screen
        return [sg.Text(label, size=(18, 1), font=FONT, pad=pad),
                sg.Input(str(value), key=key, size=(width, 1), font=FONT, enable_events=True, tooltip=tip, pad=pad),
                sg.Text("", key=Key.err(key), font=FONT, text_color="#b71c1c", size=(err_width, 1), pad=pad)]

    peer_editor = [
        [sg.Table(values=values["peers_rows"], headings=PEER_HEADINGS, key=Key.PEERS, auto_size_columns=False,
                  col_widths=[16, 16, 16, 7, 8, 8], justification="left", num_rows=4, enable_events=True,
                  select_mode=sg.TABLE_SELECT_MODE_BROWSE, font=FONT, expand_x=True)],
        # DIMSE: the address beside its TLS files; DICOMweb: the url and credentials' variables instead
        [sg.Column([field_row("Name", Key.P_NAME, "", 24, err_width=56),
                    [sg.pin(sg.Column([field_row("AE title", Key.P_AET, "", 18, err_width=56),
                                       field_row("Host / IP", Key.P_HOST, "", 18, err_width=56),
                                       field_row("Port", Key.P_PORT, "", err_width=56)], key=Key.P_DIMSE_ROWS,
                                      pad=(0, 0)))],
                    [sg.pin(_protocol_frame())]], pad=(0, 0), vertical_alignment="top"),
         tls_fields()],
        # one row for the windows and limits; their one message says what is wrong with any of them
        [*field_row("Transfer windows", Key.P_WINDOWS, "", 28,
                    tip="when transfers may run, e.g. Mon-Fri 19:00-07:00; Sat-Sun (empty: any time)")[:2],
         sg.Text("Max associations", font=FONT, pad=(5, 1)),
         sg.Input("", key=Key.P_MAXASSOC, size=(4, 1), font=FONT, enable_events=True, pad=(5, 1),
                  tooltip="at most this many associations to the peer at once (empty: the Workers setting)"),
         sg.Text("Max rate", font=FONT, pad=(5, 1)),
         sg.Input("", key=Key.P_RATE, size=(12, 1), font=FONT, enable_events=True, pad=(5, 1),
                  tooltip="instances per second (20/s) and/or megabytes per second (5MB/s); empty: no limit"),
         sg.Text("", key=Key.err(Key.P_WINDOWS), font=FONT, text_color="#b71c1c", size=(40, 1), pad=(5, 1))],
        [sg.Text("Retrieve with", size=(18, 1), font=FONT),
         sg.Combo(["move", "get"], default_value="move", key=Key.P_METHOD, readonly=True, font=FONT),
         sg.Text("Query model", font=FONT),
         sg.Combo(["study", "patient"], default_value="study", key=Key.P_MODEL, readonly=True, font=FONT),
         sg.Text("Protocol", font=FONT),
         sg.Combo(["dimse", "dicomweb"], default_value="dimse", key=Key.P_PROTOCOL, readonly=True, font=FONT,
                  enable_events=True),
         _button("Add / update peer", Key.P_SAVE), _button("Delete peer", Key.P_DELETE),
         _button("Test (C-ECHO)", Key.P_TEST), _button("Clear fields", Key.P_CLEAR)],
    ]
    general = [
        [sg.Text("Storage root", size=(18, 1), font=FONT),
         sg.Input(values["storage_root"], key=Key.S_ROOT, size=(50, 1), font=FONT),
         sg.FolderBrowse(target=Key.S_ROOT, font=FONT)],
        # two columns side by side, so the tab fits a laptop screen
        [sg.Column([field_row("Workers", Key.S_WORKERS, values["workers"], tip="parallel associations, 1-16",
                              err_width=36),
                    field_row("Retries", Key.S_RETRIES, values["retries"], err_width=36),
                    field_row("Date window (± days)", Key.S_DATEWIN, values["date_window_days"], err_width=36),
                    [sg.Text("Date order in sheets", size=(18, 1), font=FONT, pad=(5, 1)),
                     sg.Combo(["US", "EU"], default_value=values["date_order"], key=Key.S_DATEORDER, readonly=True,
                              font=FONT, pad=(5, 1)),
                     sg.Text("US = M/D/Y, EU = D/M/Y", font=FONT, pad=(5, 1))]], pad=(0, 0), vertical_alignment="top"),
         sg.Column([field_row("Connect timeout (s)", Key.S_T_CONNECT, values["connect_timeout"], err_width=36),
                    field_row("ACSE timeout (s)", Key.S_T_ACSE, values["acse_timeout"], err_width=36),
                    field_row("DIMSE timeout (s)", Key.S_T_DIMSE, values["dimse_timeout"], err_width=36),
                    field_row("Network timeout (s)", Key.S_T_NETWORK, values["network_timeout"], err_width=36),
                    field_row("Idle move timeout (s)", Key.S_T_IDLE, values["move_idle_timeout"], err_width=36)],
                   pad=(0, 0), vertical_alignment="top")],
    ]
    return [[sg.Frame("Peers (PACS and <SELF>, our own receiver)", peer_editor, font=FONT_BOLD, expand_x=True)],
            [sg.Frame("General", general, font=FONT_BOLD, expand_x=True)],
            [_button("Save settings", Key.S_SAVE), sg.Text("", key=Key.S_MSG, font=FONT, size=(80, 1))]]


def _protocol_frame() -> sg.Frame:
    """A DICOMweb peer's url and the names of its credentials' variables; shown instead of the AE
    title, host and port rows when the protocol is dicomweb (so the tab keeps its height)."""
    pad = (4, 1)

    def small(label: str, key: str, width: int, tip: str) -> list:
        return [sg.Text(label, font=FONT, pad=pad),
                sg.Input("", key=key, size=(width, 1), font=FONT, enable_events=True, tooltip=tip, pad=pad)]

    rows = [[*small("URL", Key.P_URL, 48, "DICOMweb base address, e.g. https://pacs.example.org/dicom-web"),
             sg.Text("", key=Key.err(Key.P_URL), font=FONT, text_color="#b71c1c", size=(60, 1), pad=pad)],
            [*small("User", Key.P_USER, 14, "HTTP basic auth user name"),
             *small("Password env var", Key.P_PASSWORD_ENV, 18, "NAME of the variable holding the password"),
             *small("Token env var", Key.P_TOKEN_ENV, 18, "NAME of the variable holding a bearer token")]]
    return sg.Frame("DICOMweb", rows, key=Key.P_WEB_FRAME, font=FONT, visible=False, pad=(5, 0))


def anon_tab(values: dict) -> list:
    """values: anonymize, retain_dates, clean_descriptors, retain_characteristics, id_prefix, name_prefix,
    drop_rules (editable text), drop_format (how to write it), describe (text), and pixel_checks,
    pixel_action, pixel_modalities, pixel_rules for the pixel checks' frame beside them."""
    left = [
        [sg.Checkbox("Anonymize by default", default=values["anonymize"], key=Key.A_DEFAULT, font=FONT)],
        [sg.Checkbox("Retain longitudinal dates, shifted per patient", default=values["retain_dates"],
                     key=Key.A_DATES, font=FONT)],
        [sg.Checkbox("Clean descriptors (keep cleaned study/series descriptions)",
                     default=values["clean_descriptors"], key=Key.A_CLEAN, font=FONT)],
        [sg.Checkbox("Retain patient characteristics (sex, age, size, weight)",
                     default=values["retain_characteristics"], key=Key.A_CHAR, font=FONT)],
        [sg.Text("Patient ID prefix", size=(18, 1), font=FONT),
         sg.Input(values["id_prefix"], key=Key.A_IDPREFIX, size=(16, 1), font=FONT),
         sg.Text("Patient name prefix", font=FONT),
         sg.Input(values["name_prefix"], key=Key.A_NAMEPREFIX, size=(16, 1), font=FONT)],
        [sg.Text("Drop rules (config/anon_imgs.json): an image is dropped when the tag contains any of these",
                 font=FONT)],
        [sg.Multiline(values["drop_rules"], key=Key.A_DROP, size=(60, 4), font=FONT, enable_events=True)],
        [sg.Text(values.get("drop_format", ""), key=Key.A_DROP_FORMAT, font=FONT, text_color="#37474f")],
        [sg.Text("", key=Key.A_DROP_ERR, font=FONT, text_color="#b71c1c", size=(80, 1))],
        [_button("Save anonymization settings", Key.A_SAVE), sg.Text("", key=Key.A_MSG, font=FONT, size=(56, 1))],
        [sg.Text("What will be done to every image", font=FONT_BOLD)],
        [sg.Multiline(values["describe"], key=Key.A_DESCRIBE, size=(80, 6), font=("Courier", 9),
                      disabled=True, write_only=True, expand_x=True, expand_y=True)],
    ]
    return [[sg.Column(left, expand_x=True, expand_y=True, pad=(0, 0)),
             sg.Column([[pixel_frame(values)]], expand_y=True, vertical_alignment="top", pad=(0, 0))]]


def pixel_frame(values: dict) -> sg.Frame:
    """The pixel checks: on/off, action and modalities (saved with the button on the left), the
    rules in force, and a preview of one image: the boxes found, and the image as written."""
    blank = dict(size=(PREVIEW_SIDE, PREVIEW_SIDE), background_color="#263238", pad=(4, 2))
    return sg.Frame("Burned-in text (pixels)", [
        [sg.Checkbox("Look for text burned into the pixels (OCR)", default=values["pixel_checks"],
                     key=Key.A_PX_ON, font=FONT, enable_events=True),
         sg.Text("then", font=FONT),
         sg.Combo(["mask", "drop"], default_value=values["pixel_action"], key=Key.A_PX_ACTION, readonly=True,
                  size=(6, 1), font=FONT, enable_events=True)],
        [sg.Text("Modalities", font=FONT),
         sg.Input(values["pixel_modalities"], key=Key.A_PX_MODS, size=(40, 1), font=FONT, enable_events=True)],
        [sg.Text(values["pixel_rules"], key=Key.A_PX_RULES, font=FONT, size=(58, 6), text_color="#37474f")],
        [sg.Text("Preview:", font=FONT_BOLD),
         sg.Input("", key=Key.A_PX_PATH, size=(26, 1), font=FONT),
         sg.FileBrowse("Browse…", key=Key.A_PX_BROWSE, target=Key.A_PX_PATH, font=FONT,
                       file_types=(("DICOM", "*.dcm *.DCM *"),)),
         _button("Preview file", Key.A_PX_PREVIEW)],
        [_button("Check an image of this project", Key.A_PX_PROJECT)],
        [sg.Text("Pick an original DICOM image to see the text the checks find in it; nothing is written.",
                 key=Key.A_PX_STATUS, font=FONT, size=(58, 3))],
        [sg.Text("Found (red boxes)", font=FONT, size=(30, 1)), sg.Text("As written", font=FONT)],
        [sg.Image(key=Key.A_PX_ORIGINAL, **blank), sg.Image(key=Key.A_PX_MASKED, **blank)],
    ], font=FONT_BOLD, vertical_alignment="top")


#: the side of each preview thumbnail (mid.pixel_preview.THUMB makes them this size)
PREVIEW_SIDE = 240


def ask_locked_report(path: Path):
    """Modal choice for a report that cannot be replaced (open in Excel?): "retry", a Path
    chosen with Save as…, or "rename" (the "name (1).xlsx" fallback; also when the dialog is closed)."""
    path = Path(path)
    fallback = f"{path.stem} (1){path.suffix}"
    text = (f"The report {path.name} cannot be replaced: it is probably open in Excel or another program.\n"
            f"Close it there and press Retry, choose another name with Save as…, or keep the copy as {fallback}.")
    while True:
        win = sg.Window(APP_TITLE, [[sg.Text(text, font=FONT)],
                                    [sg.Button("Retry", key="retry", font=FONT, bind_return_key=True),
                                     sg.Button("Save as…", key="saveas", font=FONT),
                                     sg.Button(f'Keep "{fallback}" name', key="rename", font=FONT)]],
                        modal=True, keep_on_top=True, finalize=True)
        event, _ = win.read()
        win.close()
        if event == "saveas":
            got = sg.popup_get_file("Save the report as", title=APP_TITLE, save_as=True, keep_on_top=True,
                                    default_path=str(path.with_name(fallback)), default_extension=".xlsx",
                                    file_types=(("Excel", "*.xlsx"),), initial_folder=str(path.parent))
            if got:
                return Path(got)
            continue                                   # Save as cancelled: ask again
        return "retry" if event == "retry" else "rename"


def ask_choice(text: str, choices) -> str | None:
    """Modal question with one button per (answer, button text) and Cancel; the answer, or None
    when cancelled or closed."""
    buttons = [sg.Button(label, key=answer, font=FONT, bind_return_key=i == 0) for i, (answer, label)
               in enumerate(choices)] + [sg.Button("Cancel", key="cancel", font=FONT)]
    win = sg.Window(APP_TITLE, [[sg.Text(text, font=FONT, size=(70, None))], buttons], modal=True,
                    keep_on_top=True, finalize=True)
    event, _ = win.read()
    win.close()
    return event if event in {a for a, _ in choices} else None


def show_message(text: str, title: str = APP_TITLE, error: bool = False) -> None:
    """A modal message with one OK button (an error's too: its button says OK, not "Error"),
    wide enough that the title is not cut."""
    colour = "#b71c1c" if error else None
    win = sg.Window(title, [[sg.Text(text, font=FONT, size=(max(50, len(title) + 10), None), text_color=colour)],
                            [sg.Push(), sg.Button("OK", key="OK", font=FONT, bind_return_key=True, size=(8, 1))]],
                    modal=True, keep_on_top=True, finalize=True)
    win.read()
    win.close()


def show_path(text: str, path) -> None:
    """Where no program can open a folder: its path, selectable, with a Copy button."""
    win = sg.Window(APP_TITLE, [[sg.Text(text, font=FONT)],
                                [sg.Input(str(path), key="path", font=FONT, readonly=True, size=(70, 1))],
                                [sg.Button("Copy", key="copy", font=FONT), sg.Push(),
                                 sg.Button("OK", key="OK", font=FONT, bind_return_key=True)]],
                    modal=True, keep_on_top=True, finalize=True)
    while True:
        event, _ = win.read()
        if event == "copy":
            copy_to_clipboard(win.TKroot, str(path))
            win["copy"].update("Copied")
            continue
        break
    win.close()


def copy_to_clipboard(tk_widget, text: str) -> None:
    """Put text on the clipboard (Tk's; it stays while the program runs)."""
    tk_widget.clipboard_clear()
    tk_widget.clipboard_append(text)
    tk_widget.update()


MENU_DEF = [
    ["&File", [f"&New project...::{Key.NEW_PROJECT}", f"&Open project...::{Key.OPEN_PROJECT}", "---",
               f"&Load query sheet...   Ctrl+O::{Key.LOAD_SHEET}",
               f"Load &selection from results sheet...::{Key.LOAD_SELECTION}",
               f"&Export results   Ctrl+E::{Key.EXPORT}", "---", f"E&xit   Ctrl+Q::{Key.EXIT}"]],
    ["&Help", [f"&About::{Key.ABOUT}", f"Open &README::{Key.README}", f"Open &log folder::{Key.LOGS}"]],
]

SHORTCUTS = {"<Control-o>": Key.LOAD_SHEET, "<Control-f>": Key.SEARCH, "<Control-d>": Key.DOWNLOAD,
             "<Control-e>": Key.EXPORT, "<Control-q>": Key.EXIT, "<Control-n>": Key.NEW_PROJECT,
             "<Alt-Left>": Key.BACK, "<Alt-Right>": Key.NEXT, "<F1>": Key.ABOUT}


# The tab group's key carries PySimpleGUI's write-only marker, so window.read() does not collect
# the values of the ~60 widgets inside the tabs on every loop turn. Each of those is a Tk call,
# and while a download runs every Tk call must win the interpreter lock back from the worker
# threads: ~40 ms per read. Events (clicks, typing, tree keys, thread events) still arrive; the
# handlers read the widgets they need with window[key].get() (or .SelectedRows for tables).
TABS_KEY = Key.TABS


class MainWindow(sg.Window):
    """The main window, with no guessing of element keys.

    PySimpleGUI's read looks up every event as an element key (for its calendar buttons); a key it
    does not know, as every event posted by the jobs (ENGINE_EVENT, JOB_DONE_EVENT), every menu
    item and every bound key is, makes find_element compare it with each of the window's keys
    (difflib), many milliseconds on the window's thread for each event during a download. An
    unknown key is simply not found here: no element is guessed in its place."""

    def _find_closest_key(self, search_key):
        return None


def make_window(main_values: dict, settings_values: dict, anon_values: dict, location=None,
                size: tuple[int, int] | None = None) -> sg.Window:
    """The one window: menu, tabs Main/Settings/Anonymization, a status line. size: the inside
    of the window in pixels (mygui.window_size); every page fits in 1350 x 648, the size on a
    1366 x 768 screen once the frame and a taskbar are taken off."""
    sg.theme("LightGrey1")
    layout = [
        [sg.Menu(MENU_DEF, key=Key.MENU, font=FONT)],
        [sg.TabGroup([[sg.Tab("Main", main_tab(**main_values), key=Key.TAB_MAIN),
                       sg.Tab("Settings", settings_tab(settings_values), key=Key.TAB_SETTINGS),
                       sg.Tab("Anonymization", anon_tab(anon_values), key=Key.TAB_ANON)]],
                     key=TABS_KEY, font=FONT, expand_x=True, expand_y=True)],
        [sg.Text("Ready.", key=Key.STATUS, font=FONT, size=(60, 1), relief=sg.RELIEF_SUNKEN, expand_x=True),
         sg.pin(sg.Column([[sg.Button("Yes, cancel and exit", key=Key.ASK_YES, font=FONT, button_color=NORMAL),
                            sg.Button("No, keep going", key=Key.ASK_NO, font=FONT, button_color=NORMAL)]],
                          key=Key.ASK_COL, visible=False, pad=(0, 0)))],
    ]
    window = MainWindow(APP_TITLE, layout, size=size or (1200, 648), resizable=True, finalize=True,
                        enable_close_attempted_event=True, location=location or (None, None), font=FONT)
    for seq, key in SHORTCUTS.items():
        window.bind(seq, key)
    tree = window[Key.TREE]
    tree.bind("<ButtonRelease-1>", "+CLICK")
    tree.bind("<space>", "+SPACE")
    return window
