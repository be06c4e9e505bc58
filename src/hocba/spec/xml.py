"""The XML form of a record (DOMAIN §1: PDF and XML have equal value) and its XSD.

The mapping is mechanical so it cannot drift from the JSON form: one element per field, in
model order, named as the field; absent optional fields are absent elements; lists are a
container element holding one item element per entry. ``xsd()`` derives the schema from the
same models, and ``data/record.xsd`` ships the result (a test keeps them equal).
"""

from __future__ import annotations

import datetime as dt
import types
from enum import Enum
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from lxml import etree
from pydantic import BaseModel

from hocba.spec.io import Problem, RecordProblems, json_path, validate_record
from hocba.spec.models import Record

NS = "urn:hocba:record:tt27:1"
XS = "http://www.w3.org/2001/XMLSchema"
ITEM_NAMES = {
    "administrative_units": "unit",
    "study_history": "row",
    "subjects": "subject",
    "qualities": "quality",
    "competences": "competence",
    "commendations": "commendation",
    "signers": "signer",
}
MAX_XML_BYTES = 4 * 1024 * 1024


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


# --- type introspection -------------------------------------------------------------------


def _unwrap(tp: Any) -> tuple[Any, bool, list[Any]]:
    """Strip Optional/Annotated: returns (core type, optional?, constraint metadata)."""
    optional = False
    meta: list[Any] = []
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp, *extra = get_args(tp)
            meta.extend(extra)
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            optional = optional or len(args) < len(get_args(tp))
            tp = args[0]
        else:
            return tp, optional, meta


def _fields(model: type[BaseModel]) -> list[tuple[str, Any, bool, list[Any]]]:
    out = []
    for name, info in model.model_fields.items():
        core, optional, meta = _unwrap(info.annotation)
        optional = optional or not info.is_required()
        out.append((name, core, optional, meta + list(info.metadata)))
    return out


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


# --- record -> XML ------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _fill(parent: etree._Element, model: BaseModel) -> None:
    for name, core, _optional, _meta in _fields(type(model)):
        value = getattr(model, name)
        if value is None:
            continue
        el = etree.SubElement(parent, _q(name))
        if get_origin(core) is list:
            for item in value:
                child = etree.SubElement(el, _q(ITEM_NAMES[name]))
                if isinstance(item, BaseModel):
                    _fill(child, item)
                else:
                    child.text = _text(item)
        elif isinstance(value, BaseModel):
            _fill(el, value)
        else:
            el.text = _text(value)


def _serialise(root: etree._Element) -> bytes:
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data


def to_xml(record: Record) -> bytes:
    root = etree.Element(_q("record"), nsmap={None: NS})
    _fill(root, record)
    return _serialise(root)


# --- XML -> record ------------------------------------------------------------------------


def _scalar(text: str | None, tp: Any, path: str) -> Any:
    text = text or ""
    try:
        if tp is bool:
            if text not in ("true", "false"):
                raise ValueError(text)
            return text == "true"
        if tp is int:
            return int(text)
        if tp is float:
            return float(text)
    except ValueError:
        raise RecordProblems(
            [Problem(path, "xml.bad_value", f"Giá trị '{text[:40]}' không đúng kiểu.")]
        ) from None
    return text


def _read(el: etree._Element, model: type[BaseModel], loc: list[int | str]) -> dict[str, Any]:
    fields = {name: core for name, core, _o, _m in _fields(model)}
    out: dict[str, Any] = {}
    for child in el:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        name = etree.QName(child).localname
        here = [*loc, name]
        if etree.QName(child).namespace != NS or name not in fields:
            raise RecordProblems(
                [Problem(json_path(here), "xml.unknown_element", "Phần tử XML không hợp lệ.")]
            )
        core = fields[name]
        if get_origin(core) is list:
            (item_tp,) = get_args(core)
            item_tp, _, _ = _unwrap(item_tp)
            items: list[Any] = []
            for i, item in enumerate(c for c in child if isinstance(c.tag, str)):
                if _is_model(item_tp):
                    items.append(_read(item, item_tp, [*here, i]))
                else:
                    items.append(_scalar(item.text, item_tp, json_path([*here, i])))
            out[name] = items
        elif _is_model(core):
            out[name] = _read(child, core, here)
        else:
            out[name] = _scalar(child.text, core, json_path(here))
    return out


def from_xml(data: bytes) -> Record:
    """Parse the XML form (safely: no entities, no network) and validate it as a record."""
    if len(data) > MAX_XML_BYTES:
        raise RecordProblems([Problem("$", "file.too_large", "Tệp XML quá lớn.")])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise RecordProblems(
            [Problem("$", "xml.syntax", f"XML sai cú pháp: dòng {exc.lineno}.")]
        ) from None
    if root.tag != _q("record"):
        raise RecordProblems([Problem("$", "xml.root", "Phần tử gốc phải là <record>.")])
    return validate_record(_read(root, Record, []))


# --- XSD ----------------------------------------------------------------------------------


def _xs(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{XS}}}{tag}", {k: v for k, v in attrs.items()})


def _simple_type(parent: etree._Element, core: Any, meta: list[Any]) -> None:
    """An anonymous xs:simpleType for a scalar field, with its enumeration or range."""
    if isinstance(core, type) and issubclass(core, Enum):
        values = [str(m.value) for m in core]
    elif get_origin(core) is Literal:
        values = [str(v) for v in get_args(core)]
    else:
        values = []
    base = {bool: "xs:boolean", int: "xs:integer", float: "xs:decimal", dt.date: "xs:date"}.get(
        core, "xs:string"
    )
    simple = _xs(parent, "simpleType")
    restriction = _xs(simple, "restriction", base=base)
    for value in values:
        _xs(restriction, "enumeration", value=value)
    for m in meta:
        for attr, facet in (("ge", "minInclusive"), ("le", "maxInclusive")):
            if getattr(m, attr, None) is not None:
                _xs(restriction, facet, value=str(getattr(m, attr)))
        if getattr(m, "pattern", None):
            _xs(restriction, "pattern", value=m.pattern.removeprefix("^").removesuffix("$"))
        if getattr(m, "min_length", None) and base == "xs:string":
            _xs(restriction, "minLength", value=str(m.min_length))
        if getattr(m, "max_length", None) and base == "xs:string":
            _xs(restriction, "maxLength", value=str(m.max_length))


def _complex_type(schema: etree._Element, model: type[BaseModel], done: set[str]) -> None:
    if model.__name__ in done:
        return
    done.add(model.__name__)
    ctype = _xs(schema, "complexType", name=model.__name__)
    seq = _xs(ctype, "sequence")
    for name, core, optional, meta in _fields(model):
        attrs = {"name": name}
        if optional:
            attrs["minOccurs"] = "0"
        if get_origin(core) is list:
            el = _xs(seq, "element", **attrs)
            inner = _xs(_xs(el, "complexType"), "sequence")
            item_tp, _, item_meta = _unwrap(get_args(core)[0])
            item_attrs = {"name": ITEM_NAMES[name], "minOccurs": "0", "maxOccurs": "unbounded"}
            if _is_model(item_tp):
                _xs(inner, "element", type=f"h:{item_tp.__name__}", **item_attrs)
                _complex_type(schema, item_tp, done)
            else:
                _simple_type(_xs(inner, "element", **item_attrs), item_tp, item_meta)
        elif _is_model(core):
            _xs(seq, "element", type=f"h:{core.__name__}", **attrs)
            _complex_type(schema, core, done)
        else:
            _simple_type(_xs(seq, "element", **attrs), core, meta)


def xsd() -> bytes:
    """Generate the XSD of the XML form from the models."""
    schema = etree.Element(
        f"{{{XS}}}schema",
        {"targetNamespace": NS, "elementFormDefault": "qualified"},
        nsmap={"xs": XS, "h": NS},
    )
    _xs(schema, "element", name="record", type="h:Record")
    _complex_type(schema, Record, set())
    return _serialise(schema)


@cache
def shipped_xsd() -> bytes:
    return resources.files("hocba.spec").joinpath("data", "record.xsd").read_bytes()


def validate_xml(data: bytes) -> list[str]:
    """Messages (English, for logs/tests) of XSD violations; empty when valid."""
    schema = etree.XMLSchema(etree.fromstring(shipped_xsd()))
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        doc = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return [str(exc)]
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
