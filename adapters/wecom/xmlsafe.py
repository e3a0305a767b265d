"""Safe XML for WeCom callbacks: no DTDs, no entities, no external references (defusedxml)."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from adapters.wecom.crypto import BadPayload


def parse_xml(data: bytes | str) -> Element:
    try:
        # forbid_dtd: WeCom never sends a DTD, so any DTD (bombs, XXE) is refused outright
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BadPayload(f"forbidden XML construct: {type(exc).__name__}") from exc
    except (ParseError, ValueError) as exc:
        raise BadPayload(f"malformed XML: {exc}") from exc


def parse_envelope(body: bytes) -> dict[str, str]:
    """The outer POST body `<xml><ToUserName/><AgentID/><Encrypt/></xml>`."""
    root = parse_xml(body)
    encrypt = (root.findtext("Encrypt") or "").strip()
    if not encrypt:
        raise BadPayload("no <Encrypt> in the callback body")
    return {
        "Encrypt": encrypt,
        "ToUserName": root.findtext("ToUserName") or "",
        "AgentID": root.findtext("AgentID") or "",
    }


def message_fields(xml: str) -> dict[str, Any]:
    """A decrypted message/event as a flat dict of strings (values stay strings: MsgId and userids are opaque).

    `SelectedItems` (template_card_event) becomes a list of {"question_key", "option_ids"}.
    """
    root = parse_xml(xml.encode())
    fields: dict[str, Any] = {}
    for child in root:
        if child.tag == "SelectedItems":
            fields["SelectedItems"] = [
                {
                    "question_key": item.findtext("QuestionKey") or "",
                    "option_ids": [o.text or "" for o in item.iter("OptionId")],
                }
                for item in child.iter("SelectedItem")
            ]
        elif len(child):
            fields[child.tag] = {sub.tag: (sub.text or "") for sub in child}
        else:
            fields[child.tag] = child.text or ""
    return fields


def cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"
