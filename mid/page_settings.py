"""The Settings and Anonymization tabs: the peers editor (add, edit, delete, Test; <SELF> kept),
fields validated as they are typed, and saving to config/ through the settings module.

Two page controllers (SettingsPage, AnonymizationPage) sharing the window's pages.Context; after a
save the settings are reloaded into the context. Errors the user can fix are raised as
mygui.UserError.
"""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any, Callable, Iterable

import mygui
from mygui import Key
from mid.pages import Context
from mid.settings import DropRule
from mid.vocab import SELF

log = logging.getLogger("mid.gui")


def settings_values(settings) -> dict:
    """Initial values of the Settings tab (mygui.settings_tab)."""
    d = settings.defaults
    return dict(storage_root=d.storage_root, workers=d.workers, connect_timeout=d.connect_timeout,
                acse_timeout=d.acse_timeout, dimse_timeout=d.dimse_timeout, network_timeout=d.network_timeout,
                move_idle_timeout=d.move_idle_timeout, retries=d.retries, date_window_days=d.date_window_days,
                date_order=d.date_order, peers_rows=peer_rows(settings))


def anon_values(settings) -> dict:
    """Initial values of the Anonymization tab (mygui.anon_tab)."""
    d = settings.defaults
    rules = drop_rules_text(settings.drop_rules)
    return dict(anonymize=bool(d.anonymize), retain_dates=bool(d.deid_retain_modified_dates),
                clean_descriptors=bool(d.deid_clean_descriptors),
                retain_characteristics=bool(d.deid_retain_patient_characteristics),
                id_prefix=d.patient_id_prefix, name_prefix=d.patient_name_prefix,
                drop_rules=rules, drop_format=DROP_RULES_FORMAT, describe=describe_text(settings),
                **pixel_values(settings))


def pixel_values(settings) -> dict:
    """Initial values of the pixel checks' frame (layouts.pixel_frame)."""
    from mid.pixels import PixelConfig
    d = settings.defaults
    return dict(pixel_checks=bool(d.pixel_checks), pixel_action=d.pixel_action,
                pixel_modalities=", ".join(d.pixel_modalities),
                pixel_rules=PixelConfig.from_settings(settings).describe())


def parse_modalities(text: str) -> list[str]:
    """The modalities box ("US, XA CR") -> ["US", "XA", "CR"]; ValueError says what to write."""
    import re
    got = [m.upper() for m in re.split(r"[\s,;]+", text.strip()) if m]
    bad = [m for m in got if not re.fullmatch(r"[A-Z0-9_]{1,16}", m)]
    if bad:
        raise ValueError(f"{', '.join(bad)} is not a modality code; write codes such as US, XA, CR "
                         f"separated by commas")
    return list(dict.fromkeys(got))


WHOLE_WORD = "(word)"
DROP_RULES_FORMAT = ("One keyword per line:  Keyword: value1; value2\n"
                     f"A value ending in {WHOLE_WORD} matches whole words only, e.g.  "
                     f"SeriesDescription: Report; Text {WHOLE_WORD}\n"
                     "Matching ignores case. An empty editor drops no image.")


def drop_rules_text(rules: Iterable[DropRule]) -> str:
    """The drop rules as the editor shows them: "Keyword: value1; value2 (word)" per line."""
    by_keyword: dict[str, list[str]] = {}
    for r in rules:
        by_keyword.setdefault(r.keyword, []).append(f"{r.value} {WHOLE_WORD}" if r.whole_word else r.value)
    return "\n".join(f"{kw}: " + "; ".join(values) for kw, values in sorted(by_keyword.items()))


def parse_drop_rules(text: str, known: Callable[[str], bool] | None = None) -> tuple[DropRule, ...]:
    """The editor's text -> the drop rules for settings.save_anon_imgs.

    Raises ValueError naming the line and saying what to write."""
    rules: list[DropRule] = []
    problems = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        kw, sep, rest = line.partition(":")
        kw = kw.strip()
        if not sep or not kw:
            problems.append(f"line {n} '{line}': write Keyword: value1; value2")
            continue
        if known is not None and not known(kw):
            problems.append(f"line {n}: {kw!r} is not a DICOM keyword (e.g. SeriesDescription, Modality)")
            continue
        found = 0
        for raw in rest.split(";"):
            v = raw.strip()
            if not v:
                continue
            word = v.lower().endswith(WHOLE_WORD)
            if word:
                v = v[: -len(WHOLE_WORD)].strip()
            if not v:
                problems.append(f"line {n}: {WHOLE_WORD} needs a value before it")
                continue
            found += 1
            rule = DropRule(kw, v, word)
            if rule not in rules:
                rules.append(rule)
        if not found:
            problems.append(f"line {n}: {kw} has no value; write at least one after the colon or delete the line")
    if problems:
        raise ValueError("; ".join(problems))
    return tuple(rules)


def describe_text(settings) -> str:
    """The anonymizer's own "what will be done" lines for these settings."""
    try:
        from mid import anonymizer
        keys = anonymizer.MemoryKeys()
        lines = anonymizer.Anonymizer(anonymizer.AnonConfig.from_settings(settings), keys).describe()
        return "\n".join(lines)
    except Exception as e:   # the description is informative only; never block the window
        log.warning("anonymizer description unavailable: %s", e, exc_info=True)
        return f"The description is not available yet ({e}). `python main.py anonymize --describe` prints it."


def peer_rows(settings) -> list[list[str]]:
    """One row per peer for the peers table."""
    rows = []
    for name, p in settings.peers.items():
        rows.append([name, p.aet, p.host, str(p.port), p.retrieve_method, p.query_model])
    return rows


def reload_settings(ctx: Context) -> None:
    """Read config/ again after a save: the context's settings are the files' as written."""
    from mid import settings as settingsmod
    ctx.settings = settingsmod.load_settings(ctx.settings.config_dir)


def save_defaults(ctx: Context, changes: dict, msg_key: str, also_saved: tuple[str, ...] = ()) -> None:
    """Save user_defaults.json with `changes`, reload, and say what was written (and where)."""
    from mid import settings as settingsmod
    new = dataclasses.replace(ctx.settings.defaults, **changes)
    try:
        settingsmod.save_user_defaults(ctx.settings.config_dir, new)
    except (ValueError, OSError) as e:
        raise mygui.UserError(f"Settings not saved: {e}") from None
    reload_settings(ctx)
    names = " and ".join(("user_defaults.json",) + tuple(also_saved))
    text = f"Saved {names} in {Path(ctx.settings.config_dir)}."
    ctx.window[msg_key].update(text)
    ctx.say(text)


PEER_FIELDS = (Key.P_NAME, Key.P_AET, Key.P_HOST, Key.P_PORT)
TLS_FILES = (Key.P_TLS_CA, Key.P_TLS_CERT, Key.P_TLS_KEY)


def tls_shown(tls) -> dict[str, Any]:
    """The TLS fields of the peer editor for a peer's TLS block (None: plain DICOM)."""
    return {Key.P_TLS_CA: tls.ca_file if tls else "", Key.P_TLS_CERT: (tls.cert_file or "") if tls else "",
            Key.P_TLS_KEY: (tls.key_file or "") if tls else "", Key.P_TLS_HOSTNAME: tls.check_hostname if tls else True}


def tls_problem(fields: dict[str, Any]) -> str:
    """What is wrong with the editor's TLS fields, or ""."""
    ca, cert, key = (str(fields.get(k) or "").strip() for k in TLS_FILES)
    if (cert or key) and not ca:
        return "TLS needs a CA file (the certificates to trust)"
    if bool(cert) != bool(key):
        return "TLS: give both our certificate and its key, or neither"
    return ""


def tls_from_editor(fields: dict[str, Any], old):
    """The TLS block the editor's fields say (None when the CA file is empty: plain DICOM); the
    key password variable, which the editor does not show, is kept from the old block."""
    from mid.peerconfig import TlsConfig
    ca, cert, key = (str(fields.get(k) or "").strip() for k in TLS_FILES)
    if not ca:
        return None
    return TlsConfig(ca_file=ca, cert_file=cert or None, key_file=key or None,
                     check_hostname=bool(fields.get(Key.P_TLS_HOSTNAME, True)),
                     key_password_env=old.key_password_env if old is not None else None)


#: the protocol frame's fields: a DICOMweb peer's url and the names of its secrets' variables
WEB_FIELDS = (Key.P_URL, Key.P_USER, Key.P_PASSWORD_ENV, Key.P_TOKEN_ENV)
_WEB_ATTRS = {Key.P_URL: "url", Key.P_USER: "username", Key.P_PASSWORD_ENV: "password_env",
              Key.P_TOKEN_ENV: "token_env"}


def web_errors(window) -> dict[str, str]:
    """Field key -> message for the protocol frame, when it says dicomweb."""
    from mid import peerconfig
    if window[Key.P_PROTOCOL].get() != "dicomweb":
        return {}
    values = {k: window[k].get().strip() or None for k in WEB_FIELDS}
    problems = peerconfig.peer_problems("", {"protocol": "dicomweb", **{_WEB_ATTRS[k]: v for k, v in values.items()
                                                                       if v is not None}})
    return {Key.P_URL: "; ".join(problems)} if problems else {}


def web_fields(window) -> dict:
    """The PeerConfig fields of the protocol frame (DIMSE: protocol only, the DICOMweb keys cleared)."""
    web = window[Key.P_PROTOCOL].get() == "dicomweb"
    out: dict = {"protocol": "dicomweb" if web else "dimse"}
    for key, attr in _WEB_ATTRS.items():
        text = window[key].get().strip() if web else ""
        out[attr] = (text.rstrip("/") if attr == "url" else text) or ("" if attr == "url" else None)
    return out


LIMIT_FIELDS = (Key.P_WINDOWS, Key.P_MAXASSOC, Key.P_RATE)     # their messages share Key.err(Key.P_WINDOWS)


LIMIT_LABELS = {Key.P_WINDOWS: "transfer windows", Key.P_MAXASSOC: "max associations", Key.P_RATE: "max rate"}


def limit_fields(peer) -> dict[str, str]:
    """The editor's texts for a peer's transfer windows and limits."""
    from mid import throttle
    return {Key.P_WINDOWS: "; ".join(peer.transfer_windows) if peer else "",
            Key.P_MAXASSOC: str(peer.max_associations or "") if peer else "",
            Key.P_RATE: throttle.format_rate(peer) if peer else ""}


def limit_values(texts: dict[str, str]) -> tuple[dict[str, str], dict[str, Any]]:
    """(field key -> message, PeerConfig fields) for the typed windows and limits; empty means none."""
    from mid import throttle
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"transfer_windows": (), "max_associations": None,
                              "max_instances_per_s": None, "max_mb_per_s": None}
    if texts[Key.P_WINDOWS].strip():
        try:
            values["transfer_windows"] = throttle.parse_windows([texts[Key.P_WINDOWS]])
        except throttle.LimitError as e:
            errors[Key.P_WINDOWS] = str(e)
    most = texts[Key.P_MAXASSOC].strip()
    if most:
        if most.isdigit() and 1 <= int(most) <= 64:
            values["max_associations"] = int(most)
        else:
            errors[Key.P_MAXASSOC] = f"'{most}': a whole number from 1 to 64, or empty"
    try:
        values["max_instances_per_s"], values["max_mb_per_s"] = throttle.parse_rates(texts[Key.P_RATE])
    except throttle.LimitError as e:
        errors[Key.P_RATE] = str(e)
    return errors, values


# every field of the peer editor that is checked as it is typed
EDITOR_FIELDS = PEER_FIELDS + TLS_FILES + WEB_FIELDS + LIMIT_FIELDS + (Key.P_PROTOCOL,)


class SettingsPage:
    """The Settings tab: the peers editor and the general settings."""

    NUMBER_FIELDS = {  # key -> (UserDefaults field, type, min, max)
        Key.S_WORKERS: ("workers", int, 1, 32), Key.S_T_CONNECT: ("connect_timeout", float, 0.5, 3600),
        Key.S_T_ACSE: ("acse_timeout", float, 0.5, 3600), Key.S_T_DIMSE: ("dimse_timeout", float, 0.5, 36000),
        Key.S_T_NETWORK: ("network_timeout", float, 0.5, 36000), Key.S_T_IDLE: ("move_idle_timeout", float, 1, 36000),
        Key.S_RETRIES: ("retries", int, 0, 20), Key.S_DATEWIN: ("date_window_days", int, 0, 3650),
    }

    def __init__(self, ctx: Context):
        self.ctx = ctx

    @property
    def window(self):
        return self.ctx.window

    def handlers(self) -> dict[str, Callable[[Any], None]]:
        return {
            Key.PEERS: self.on_peer_row, Key.P_SAVE: self.on_peer_save, Key.P_DELETE: self.on_peer_delete,
            Key.P_TEST: self.on_peer_test, Key.P_CLEAR: self.on_peer_clear, Key.S_SAVE: self.on_settings_save,
        } | {k: self.on_validate_peer for k in EDITOR_FIELDS} \
            | {k: self.on_validate_number for k in self.NUMBER_FIELDS}

    # -- peers -------------------------------------------------------------------------------
    def show_peers(self) -> None:
        """The peers table and the source/destination dropdowns, from the current settings."""
        self.window[Key.PEERS].update(values=peer_rows(self.ctx.settings))
        self.ctx.pages.search.show_peers()

    def on_peer_row(self, _=None) -> None:
        sel = self.ctx.selected_rows(Key.PEERS)
        rows = peer_rows(self.ctx.settings)
        if not sel or sel[0] >= len(rows):
            return
        name, aet, host, port, method, model = rows[sel[0]]
        for k, v in ((Key.P_NAME, name), (Key.P_AET, aet), (Key.P_HOST, host), (Key.P_PORT, port),
                     (Key.P_METHOD, method), (Key.P_MODEL, model),
                     *limit_fields(self.ctx.settings.peers.get(name)).items()):
            self.window[k].update(v)
        peer = self.ctx.settings.peers.get(name)
        self._show_tls(getattr(peer, "tls", None))
        self.window[Key.P_NAME].update(disabled=name == SELF)
        self.window[Key.P_PROTOCOL].update("dicomweb" if peer is not None and peer.is_dicomweb else "dimse")
        for key, attr in _WEB_ATTRS.items():
            self.window[key].update(getattr(peer, attr, None) or "")
        self.on_validate_peer()

    def on_peer_clear(self, _=None) -> None:
        """Empty editor for a new peer (no complaints until something is typed)."""
        for k in PEER_FIELDS + WEB_FIELDS + LIMIT_FIELDS:
            self.window[k].update("")
        for k in PEER_FIELDS + (Key.P_URL, Key.P_WINDOWS):
            self.window[Key.err(k)].update("")
        self._show_tls(None)
        self.window[Key.P_PROTOCOL].update("dimse")
        self.window[Key.P_NAME].update(disabled=False)

    def _show_tls(self, tls) -> None:
        for k, v in tls_shown(tls).items():
            self.window[k].update(v)
        self.window[Key.err(Key.P_TLS_CA)].update("")

    def _tls_fields(self) -> dict[str, Any]:
        return {k: self.window[k].get() for k in TLS_FILES + (Key.P_TLS_HOSTNAME,)}

    def peer_errors(self) -> dict[str, str]:
        """Field key -> message for every invalid peer field in the editor."""
        from mid import settings as settingsmod
        w = self.window
        errors = {}
        if not w[Key.P_NAME].get().strip():
            errors[Key.P_NAME] = "a name is needed, e.g. MAIN PACS"
        checks = ((Key.P_AET, settingsmod.validate_ae_title), (Key.P_HOST, settingsmod.validate_host),
                  (Key.P_PORT, settingsmod.validate_port))
        web = w[Key.P_PROTOCOL].get() == "dicomweb"
        errors.update(web_errors(w))
        if web and w[Key.P_NAME].get().strip() == SELF:
            errors[Key.P_URL] = "<SELF>, our own receiver, speaks DIMSE only"
        for key, check in checks if not web else ():      # a DICOMweb peer has no AE title, host or port
            msg = check(w[key].get().strip())
            if msg:
                errors[key] = msg
        tls = tls_problem(self._tls_fields())
        if tls:
            errors[Key.P_TLS_CA] = tls
        limits = limit_values({k: w[k].get() for k in LIMIT_FIELDS})[0]
        if limits:
            errors[Key.P_WINDOWS] = "; ".join(f"{LIMIT_LABELS[k]}: {m}" for k, m in limits.items())
        return errors

    def on_validate_peer(self, _=None) -> None:
        errors = self.peer_errors()
        for k in PEER_FIELDS + (Key.P_TLS_CA, Key.P_URL, Key.P_WINDOWS):
            self.window[Key.err(k)].update(errors.get(k, ""))
        web = self.window[Key.P_PROTOCOL].get() == "dicomweb"
        if self.window[Key.P_WEB_FRAME].visible != web:       # one of the two, in the same place
            self.window[Key.P_DIMSE_ROWS].update(visible=not web)
            self.window[Key.P_TLS_FILES].update(visible=not web)     # DICOMweb's TLS is its https:// url
            self.window[Key.P_WEB_FRAME].update(visible=web)

    def _editor_peer(self):
        from mid import settings as settingsmod
        errors = self.peer_errors()
        if errors:
            raise mygui.UserError("Peer not saved: " + "; ".join(f"{k.strip('-').split('-')[-1]}: {m}"
                                                                for k, m in errors.items()))
        w = self.window
        name = w[Key.P_NAME].get().strip()
        old = self.ctx.settings.peers.get(name)
        web = web_fields(w)
        port = w[Key.P_PORT].get().strip()
        fields = dict(name=name, aet=w[Key.P_AET].get().strip(), host=w[Key.P_HOST].get().strip(),
                      port=int(port) if port.isdigit() else 0, retrieve_method=w[Key.P_METHOD].get() or "move",
                      query_model=w[Key.P_MODEL].get() or "study", **web,
                      tls=None if web["protocol"] == "dicomweb"
                      else tls_from_editor(self._tls_fields(), getattr(old, "tls", None)),
                      **limit_values({k: w[k].get() for k in LIMIT_FIELDS})[1])
        return dataclasses.replace(old, **fields) if old else settingsmod.PeerConfig(**fields)

    def on_peer_save(self, _=None) -> None:
        peer = self._editor_peer()
        peers = dict(self.ctx.settings.peers)
        peers[peer.name] = peer
        self._save_peers(peers, f"Saved peer {peer.name}.")

    def on_peer_delete(self, _=None) -> None:
        ctx = self.ctx
        name = self.window[Key.P_NAME].get().strip()
        if name == SELF:
            raise mygui.UserError("<SELF> is this program's own receiver and cannot be deleted; edit its AE title "
                                  "and port instead.")
        if name not in ctx.settings.peers:
            raise mygui.UserError(f"There is no peer called {name!r}; select one in the table first.")
        if not ctx.confirm(f"Delete peer {name}?"):
            return
        peers = {k: v for k, v in ctx.settings.peers.items() if k != name}
        self._save_peers(peers, f"Deleted peer {name}.")
        self.on_peer_clear()

    def _save_peers(self, peers: dict, message: str) -> None:
        from mid import settings as settingsmod
        try:
            settingsmod.save_peers(self.ctx.settings.config_dir, peers)
        except (ValueError, OSError) as e:
            raise mygui.UserError(f"Peers not saved: {e}") from None
        reload_settings(self.ctx)
        self.show_peers()
        self.ctx.say(message + f" ({Path(self.ctx.settings.config_dir) / 'peers.json'})")

    def on_peer_test(self, _=None) -> None:
        peer = self._editor_peer()
        self.ctx.pages.search.echo(peer.name, peer)

    # -- general settings --------------------------------------------------------------------
    def number_errors(self) -> tuple[dict[str, str], dict[str, Any]]:
        errors, parsed = {}, {}
        for key, (fname, typ, lo, hi) in self.NUMBER_FIELDS.items():
            text = str(self.window[key].get()).strip()
            try:
                v = typ(text)
                if not lo <= v <= hi:
                    raise ValueError
                parsed[fname] = v
            except ValueError:
                errors[key] = f"'{text}': write {'a whole number' if typ is int else 'a number'} from {lo:g} to {hi:g}"
        return errors, parsed

    def on_validate_number(self, _=None) -> None:
        errors, _ = self.number_errors()
        for key in self.NUMBER_FIELDS:
            self.window[Key.err(key)].update(errors.get(key, ""))

    def on_settings_save(self, _=None) -> None:
        errors, parsed = self.number_errors()
        self.on_validate_number()
        if errors:
            raise mygui.UserError("Settings not saved: fix the fields marked in red on the Settings tab.")
        root = self.window[Key.S_ROOT].get().strip()
        if not root:
            raise mygui.UserError("Settings not saved: the storage root is empty; choose a folder for the projects.")
        save_defaults(self.ctx, dict(parsed, storage_root=root, date_order=self.window[Key.S_DATEORDER].get() or "US"),
                      Key.S_MSG)


class AnonymizationPage:
    """The Anonymization tab: the de-identification options, the drop rules editor, the
    anonymizer's own description of what will be done, and the pixel checks with a preview."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.preview = None            # the last mid.pixel_preview.Preview shown

    def handlers(self) -> dict[str, Callable[[Any], None]]:
        return {Key.A_SAVE: self.on_anon_save, Key.A_DROP: self.on_drop_typed,
                Key.A_PX_ON: self.on_pixels_changed, Key.A_PX_ACTION: self.on_pixels_changed,
                Key.A_PX_MODS: self.on_pixels_changed, Key.A_PX_PREVIEW: self.on_preview_file,
                Key.A_PX_PROJECT: self.on_preview_project}

    def _known_keyword(self) -> Callable[[str], bool]:
        from mid import settings as settingsmod
        extra = self.ctx.settings.extra_tags
        return lambda kw: settingsmod.is_known_keyword(kw, extra)

    def drop_rules(self) -> tuple[DropRule, ...]:
        """The drop rules typed in the editor; ValueError says what is wrong."""
        return parse_drop_rules(self.ctx.window[Key.A_DROP].get(), self._known_keyword())

    def on_drop_typed(self, _=None) -> None:
        try:
            self.drop_rules()
            msg = ""
        except ValueError as e:
            msg = str(e)
        self.ctx.window[Key.A_DROP_ERR].update(msg)

    def on_anon_save(self, _=None) -> None:
        from mid import settings as settingsmod
        ctx, w = self.ctx, self.ctx.window
        try:
            rules = self.drop_rules()
        except ValueError as e:
            w[Key.A_DROP_ERR].update(str(e))
            raise mygui.UserError(f"Anonymization settings not saved: drop rules: {e}.") from None
        w[Key.A_DROP_ERR].update("")
        try:
            pixel_changes = self.pixel_options()          # checked before anything is written
        except ValueError as e:
            raise mygui.UserError(f"Anonymization settings not saved: pixel modalities: {e}.") from None
        also = ()
        if set(rules) != set(ctx.settings.drop_rules):
            also = ("anon_imgs.json",)
            try:
                settingsmod.save_anon_imgs(ctx.settings.config_dir, rules)
            except (ValueError, OSError) as e:
                w[Key.A_DROP_ERR].update(str(e))
                raise mygui.UserError(f"Anonymization settings not saved: {e}") from None
        save_defaults(ctx, dict(pixel_changes, anonymize=bool(w[Key.A_DEFAULT].get()),
                                deid_retain_modified_dates=bool(w[Key.A_DATES].get()),
                                deid_clean_descriptors=bool(w[Key.A_CLEAN].get()),
                                deid_retain_patient_characteristics=bool(w[Key.A_CHAR].get()),
                                patient_id_prefix=w[Key.A_IDPREFIX].get().strip(),
                                patient_name_prefix=w[Key.A_NAMEPREFIX].get().strip()), Key.A_MSG, also)
        settings = ctx.settings            # reloaded by save_defaults: the rules as saved
        w[Key.A_DROP].update(drop_rules_text(settings.drop_rules))
        w[Key.A_DESCRIBE].update(describe_text(settings))
        w[Key.A_PX_RULES].update(pixel_values(settings)["pixel_rules"])

    # -- the pixel checks --------------------------------------------------------------------
    def pixel_options(self) -> dict:
        """The pixel checks' options as typed (user_defaults.json fields); ValueError: the modalities."""
        w = self.ctx.window
        return dict(pixel_checks=bool(w[Key.A_PX_ON].get()), pixel_action=w[Key.A_PX_ACTION].get() or "mask",
                    pixel_modalities=parse_modalities(w[Key.A_PX_MODS].get()))

    def pixel_config(self):
        """The checks as typed (not yet saved): what the preview runs."""
        from mid.pixels import PixelConfig
        opts = self.pixel_options()
        return PixelConfig(enabled=opts["pixel_checks"], action=opts["pixel_action"],
                           modalities=tuple(opts["pixel_modalities"]),
                           regions=tuple(getattr(self.ctx.settings, "pixel_regions", ())))

    def on_pixels_changed(self, _=None) -> None:
        """The rules follow the boxes as they are typed (saved with Save anonymization settings)."""
        try:
            text = self.pixel_config().describe() + "  (Not saved yet: press Save anonymization settings.)"
        except ValueError as e:
            text = f"Modalities: {e}."
        self.ctx.window[Key.A_PX_RULES].update(text)

    def on_preview_file(self, _=None) -> None:
        path = self.ctx.window[Key.A_PX_PATH].get().strip()
        if not path:
            raise mygui.UserError("Preview: choose a DICOM image file first (Browse…).")
        if not Path(path).is_file():
            raise mygui.UserError(f"Preview: {path} is not a file; choose a DICOM image file (Browse…).")
        self._preview(Path(path), "file")

    def on_preview_project(self, _=None) -> None:
        from mid import pixel_preview
        project = self.ctx.project
        if project is None:
            raise mygui.UserError("Preview: no project is open; open one, or pick a file to preview.")
        try:
            config = self.pixel_config()
        except ValueError as e:
            raise mygui.UserError(f"Preview: modalities: {e}.") from None
        path = pixel_preview.project_image(project.images_dir, config.modalities)
        if path is None:
            raise mygui.UserError(f"Preview: the project's images/ holds no image of {', '.join(config.modalities)}; "
                                  f"pick a file to preview instead.")
        self._preview(path, "project image")

    def _preview(self, path: Path, what: str) -> None:
        """The check runs on a worker thread; the window shows the result when it is done."""
        from mid import pixel_preview
        if self.ctx.busy("pixels"):
            raise mygui.UserError("Preview: one preview is running already; wait for it.")
        try:
            config = self.pixel_config()
        except ValueError as e:
            raise mygui.UserError(f"Preview: modalities: {e}.") from None
        w = self.ctx.window
        for key in (Key.A_PX_PREVIEW, Key.A_PX_PROJECT):
            w[key].update(disabled=True)
        w[Key.A_PX_STATUS].update(f"Looking for text in the {what} {path.name}…")
        self.preview = None
        self.ctx.start("pixels", self._preview_done, pixel_preview.run, path, config)

    def _preview_done(self, result, error: BaseException | None) -> None:
        w = self.ctx.window
        for key in (Key.A_PX_PREVIEW, Key.A_PX_PROJECT):
            w[key].update(disabled=False)
        if error is not None or isinstance(result, str):
            w[Key.A_PX_STATUS].update(f"Not previewed: {result if error is None else error}")
            w[Key.A_PX_ORIGINAL].update(data=None)
            w[Key.A_PX_MASKED].update(data=None)
            return
        self.preview = result
        w[Key.A_PX_STATUS].update(result.note)
        w[Key.A_PX_ORIGINAL].update(data=result.original_png)
        w[Key.A_PX_MASKED].update(data=result.masked_png)
