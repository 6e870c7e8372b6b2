"""Discover what a page lets a user send: its forms (method, action, fields with their current values) and
the query parameters of its links. Plain ``html.parser``; no browser."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit


@dataclass
class FormField:
    name: str
    kind: str  # input type, "select", "textarea", "button"
    value: str = ""
    checked: bool = True  # checkboxes and radios: sent only when checked
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    method: str
    action: str  # absolute path, maybe with a query string
    enctype: str
    fields: list[FormField] = field(default_factory=list)
    formactions: list[str] = field(default_factory=list)  # submit buttons that send the form elsewhere

    @property
    def path(self) -> str:
        return urlsplit(self.action).path

    def names(self) -> list[str]:
        """Field names a user can send (in page order, once each; not the CSRF token)."""
        out = []
        for f in self.fields:
            if f.name and f.name != "csrf_token" and f.name not in out:
                out.append(f.name)
        return out

    def base(self) -> dict[str, str]:
        """The values the page would send as it is (first value per name)."""
        data: dict[str, str] = {}
        for f in self.fields:
            if not f.name or f.name in data:
                continue
            if f.kind in ("checkbox", "radio") and not f.checked:
                continue
            if f.kind == "button":
                continue
            if f.kind == "submit" and not f.value:
                continue
            data[f.name] = f.value
        return data

    def file_fields(self) -> set[str]:
        return {f.name for f in self.fields if f.kind == "file"}


class _Parser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: FormField | None = None
        self._option_value: str | None = None
        self._option_selected = False
        self._textarea: FormField | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.page_url, a["href"]))
        elif tag == "form":
            action = urljoin(self.page_url, a.get("action") or self.page_url)
            self._form = Form(method=(a.get("method") or "get").upper(), action=action,
                              enctype=a.get("enctype") or "application/x-www-form-urlencoded")
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            self._form.fields.append(FormField(a.get("name", ""), kind, a.get("value", ""),
                                               checked="checked" in a if kind in ("checkbox", "radio") else True))
        elif tag == "button":
            if a.get("name"):
                self._form.fields.append(FormField(a["name"], "submit", a.get("value", "")))
            if a.get("formaction"):
                self._form.formactions.append(urljoin(self.page_url, a["formaction"]))
        elif tag == "select":
            self._select = FormField(a.get("name", ""), "select")
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option_value = a.get("value")
            self._option_selected = "selected" in a
            if self._option_value is not None:
                self._add_option(self._option_value)
        elif tag == "textarea":
            self._textarea = FormField(a.get("name", ""), "textarea", "")
            self._form.fields.append(self._textarea)

    def _add_option(self, value):
        self._select.options.append(value)
        if self._option_selected or len(self._select.options) == 1:
            self._select.value = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        elif self._select is not None and self._option_value is None and data.strip():
            self._option_value = data.strip()
            self._add_option(self._option_value)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option_value = None
        elif tag == "textarea":
            if self._textarea is not None and self._textarea.value.startswith("\n"):
                self._textarea.value = self._textarea.value[1:]
            self._textarea = None


def scan(html: str, page_url: str) -> tuple[list[Form], list[str]]:
    """(forms, link URLs) of a page; URLs are absolute paths with their query strings. A form whose submit
    buttons carry ``formaction`` counts once per action."""
    parser = _Parser(page_url)
    parser.feed(html)
    parser.close()
    forms = []
    for form in parser.forms:
        if form.formactions:
            forms.extend(Form(form.method, action, form.enctype, list(form.fields))
                         for action in dict.fromkeys(form.formactions))
        else:
            forms.append(form)
    return forms, parser.links


def link_params(links: list[str], path: str) -> set[str]:
    """Names of query parameters that the page's links send to ``path``."""
    out = set()
    for url in links:
        parts = urlsplit(url)
        if parts.path == path:
            out.update(k for k, _v in parse_qsl(parts.query, keep_blank_values=True))
    return out
