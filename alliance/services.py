"""Writes of the alliance app: importing experts, enterprises and industry chains from the park's spreadsheets.

Each row is validated on its own and either applied (created or updated, by its natural key) or refused with
its reasons in Chinese; a refused row never stops the others. Natural keys: a chain by its code, an enterprise
by its unified social credit code, an expert by e-mail (case-insensitive) or, without one, by mobile number.
A row equal to what is stored changes nothing, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from alliance import roles
from alliance.imports import Kind, columns_of
from alliance.models import IndustryChain, Organisation, TechnicalField, User
from experts.models import Expert

CHAIN_CODE = re.compile(r"^[-a-zA-Z0-9_]+$")
CREDIT_CODE = re.compile(r"^[0-9A-Z]{18}$")
PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "在库", "接受"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "不在库", "不接受"}


@dataclass
class RefusedRow:
    row: int
    reasons: list[str]

    @property
    def message(self) -> str:
        return _("第 %(row)s 行：%(reasons)s") % {"row": self.row, "reasons": "；".join(self.reasons)}


@dataclass
class ImportReport:
    kind: str
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[RefusedRow] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        return _("共 %(total)s 行：新增 %(created)s，更新 %(updated)s，无变化 %(unchanged)s，拒绝 %(refused)s。") % {
            "total": self.total, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "refused": len(self.refused),
        }


class RowError(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def import_records(
    *, kind: str, rows: Iterable[tuple[int, dict[str, str]]], by: User | None,
    progress: Callable[[], None] | None = None,
) -> ImportReport:
    """Import numbered rows of one kind. `by` is the park staff member (None: the command line, run by an admin)."""
    if by is not None and not roles.is_park_staff(by):
        raise PermissionDenied(_("只有管委会工作人员可以导入数据。"))
    columns_of(kind)
    importer = {Kind.CHAINS: _ChainImporter, Kind.ENTERPRISES: _EnterpriseImporter, Kind.EXPERTS: _ExpertImporter}[
        kind
    ]()
    report = ImportReport(kind=kind)
    for number, row in rows:
        report.total += 1
        try:
            with transaction.atomic():  # one savepoint per row: a refused row leaves no trace
                outcome = importer.apply(row)
        except RowError as error:
            report.refused.append(RefusedRow(row=number, reasons=error.reasons))
        except IntegrityError:
            report.refused.append(RefusedRow(row=number, reasons=[_("与已有数据冲突（名称或编码重复）")]))
        else:
            setattr(report, outcome, getattr(report, outcome) + 1)
        if progress is not None:
            progress()
    importer.finish()
    return report


# Shared cleaning -----------------------------------------------------------------------------------------------------

def _split(value: str) -> list[str]:
    for separator in ",，、;\n|":
        value = value.replace(separator, "；")
    items: list[str] = []
    for item in value.split("；"):
        item = item.strip()
        if item and item not in items:
            items.append(item)
    return items


def _boolean(value: str, *, label: str, default: bool, reasons: list[str]) -> bool:
    text = value.strip().lower()
    if not text:
        return default
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    reasons.append(_("“%(label)s”应填“是”或“否”") % {"label": label})
    return default


def _integer(value: str, *, label: str, default: int, low: int, high: int, reasons: list[str]) -> int:
    text = value.strip()
    if not text:
        return default
    try:
        number = int(float(text))
    except ValueError:
        reasons.append(_("“%(label)s”应为整数") % {"label": label})
        return default
    if not low <= number <= high or number != float(text):
        reasons.append(_("“%(label)s”应为 %(low)s–%(high)s 的整数") % {"label": label, "low": low, "high": high})
        return default
    return number


def _limit(value: str, *, label: str, length: int, reasons: list[str]) -> str:
    if len(value) > length:
        reasons.append(_("“%(label)s”不能超过 %(length)s 个字") % {"label": label, "length": length})
    return value[:length]


def _save_if_changed(instance: Any, values: dict[str, Any]) -> bool:
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if changed:
        instance.save()
    return bool(changed)


class _ChainLookup:
    """Chains by code or by name, loaded once per import."""

    def __init__(self) -> None:
        self.by_key: dict[str, IndustryChain] = {}
        for chain in IndustryChain.objects.all():
            self.by_key[chain.code.lower()] = chain
            self.by_key[chain.name] = chain

    def find(self, value: str) -> IndustryChain | None:
        return self.by_key.get(value) or self.by_key.get(value.lower())


# Importers -----------------------------------------------------------------------------------------------------------

class _ChainImporter:
    def apply(self, row: dict[str, str]) -> str:
        reasons: list[str] = []
        code, name = row["code"].strip(), row["name"].strip()
        if not code:
            reasons.append(_("缺少产业链代码"))
        elif not CHAIN_CODE.match(code) or len(code) > 32:
            reasons.append(_("产业链代码只能包含字母、数字、下划线和连字符，且不超过 32 位"))
        if not name:
            reasons.append(_("缺少产业链名称"))
        name = _limit(name, label=_("产业链名称"), length=64, reasons=reasons)
        sort_order = _integer(row["sort_order"], label=_("排序"), default=0, low=0, high=32767, reasons=reasons)
        if not reasons and IndustryChain.objects.filter(name=name).exclude(code=code).exists():
            reasons.append(_("名称“%(name)s”已被其他产业链使用") % {"name": name})
        if reasons:
            raise RowError(reasons)
        values = {"name": name, "description": row["description"].strip(), "sort_order": sort_order}
        chain = IndustryChain.objects.filter(code=code).first()
        if chain is None:
            IndustryChain.objects.create(code=code, **values)
            return "created"
        return "updated" if _save_if_changed(chain, values) else "unchanged"

    def finish(self) -> None:
        pass


class _EnterpriseImporter:
    def __init__(self) -> None:
        self.chains = _ChainLookup()
        self.kinds = {str(label): value for value, label in Organisation.Kind.choices}
        self.kinds.update({value: value for value in Organisation.Kind.values})

    def apply(self, row: dict[str, str]) -> str:
        reasons: list[str] = []
        credit_code, name = row["credit_code"].strip().upper(), row["name"].strip()
        if not credit_code:
            reasons.append(_("缺少统一社会信用代码"))
        elif not CREDIT_CODE.match(credit_code):
            reasons.append(_("统一社会信用代码应为 18 位数字或大写字母"))
        if not name:
            reasons.append(_("缺少企业名称"))
        name = _limit(name, label=_("企业名称"), length=128, reasons=reasons)
        kind = self.kinds.get(row["kind"].strip() or str(Organisation.Kind.ENTERPRISE.label))
        if kind is None:
            reasons.append(_("未知的机构类型“%(kind)s”") % {"kind": row["kind"]})
        chain = None
        if row["chain"].strip():
            chain = self.chains.find(row["chain"].strip())
            if chain is None:
                reasons.append(_("未知的产业链“%(chain)s”") % {"chain": row["chain"].strip()})
        if not reasons and Organisation.objects.filter(name=name, kind=kind).exclude(credit_code=credit_code).exists():
            reasons.append(_("已有同名同类型的机构“%(name)s”（信用代码不同）") % {"name": name})
        if reasons:
            raise RowError(reasons)
        values = {
            "name": name, "kind": kind, "chain": chain, "city": _limit(row["city"].strip(), label=_("所在地"),
                                                                        length=64, reasons=reasons),
            "description": row["description"].strip(),
        }
        organisation = Organisation.objects.filter(credit_code=credit_code).first()
        if organisation is None:
            Organisation.objects.create(credit_code=credit_code, **values)
            return "created"
        return "updated" if _save_if_changed(organisation, values) else "unchanged"

    def finish(self) -> None:
        pass


class _ExpertImporter:
    def __init__(self) -> None:
        self.chains = _ChainLookup()
        self.fields = {field.name: field for field in TechnicalField.objects.all()}
        self.categories = {str(label): value for value, label in Expert.Category.choices}
        self.categories.update({value: value for value in Expert.Category.values})
        self.changed_ids: list[int] = []

    def _organisation(self, name: str) -> Organisation:
        organisation = Organisation.objects.filter(name=name).order_by("id").first()
        if organisation is None:
            organisation = Organisation.objects.create(name=name, kind=Organisation.Kind.OTHER)
        return organisation

    def _find(self, email: str, phone: str) -> Expert | None:
        by_email = Expert.objects.filter(email__iexact=email).order_by("id").first() if email else None
        by_phone = Expert.objects.filter(phone=phone).order_by("id").first() if phone and not by_email else None
        if by_email and phone:
            other = Expert.objects.filter(phone=phone).exclude(pk=by_email.pk).first()
            if other is not None:
                raise RowError([_("手机号已属于另一位专家“%(name)s”") % {"name": other.name}])
        if by_phone is not None and by_phone.email and email:
            # Phone matches someone whose e-mail differs: not the same person as far as we can tell.
            raise RowError([_("手机号已属于另一位专家“%(name)s”") % {"name": by_phone.name}])
        return by_email or by_phone

    def apply(self, row: dict[str, str]) -> str:
        from experts.services import normalise_areas

        reasons: list[str] = []
        name = row["name"].strip()
        email, phone = row["email"].strip().lower(), row["phone"].strip()
        if not name:
            reasons.append(_("缺少姓名"))
        name = _limit(name, label=_("姓名"), length=64, reasons=reasons)
        if not email and not phone:
            reasons.append(_("邮箱与手机至少填写一项"))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                reasons.append(_("邮箱格式不正确"))
        if phone and not PHONE.match(phone):
            reasons.append(_("手机号格式不正确"))
        category = self.categories.get(row["category"].strip())
        if category is None:
            reasons.append(
                _("专家类别应为：%(choices)s") % {"choices": " / ".join(str(label) for label in Expert.Category.labels)}
            )
        areas = normalise_areas(row["research_areas"])
        if not areas:
            reasons.append(_("请至少填写一个研究方向"))
        fields = []
        for field_name in _split(row["fields"]):
            if field_name in self.fields:
                fields.append(self.fields[field_name])
            else:
                reasons.append(_("未知的技术领域“%(name)s”") % {"name": field_name})
        chains = []
        for key in _split(row["chains"]):
            chain = self.chains.find(key)
            if chain is None:
                reasons.append(_("未知的产业链“%(chain)s”") % {"chain": key})
            else:
                chains.append(chain)
        limit = _integer(row["max_active_claims"], label=_("同时承接上限"), default=3, low=1, high=20,
                         reasons=reasons)
        is_available = _boolean(row["is_available"], label=_("接受揭榜"), default=True, reasons=reasons)
        is_active = _boolean(row["is_active"], label=_("在库"), default=True, reasons=reasons)
        title = _limit(row["title"].strip(), label=_("职称/头衔"), length=64, reasons=reasons)
        organisation_name = _limit(row["organisation"].strip(), label=_("所在单位"), length=128, reasons=reasons)
        if reasons:
            raise RowError(reasons)
        expert = self._find(email, phone)
        organisation = self._organisation(organisation_name) if organisation_name else None
        values = {
            "name": name, "email": email, "phone": phone, "category": category, "title": title,
            "organisation": organisation, "research_areas": areas, "max_active_claims": limit,
            "is_available": is_available, "is_active": is_active, "bio": row["bio"].strip(),
        }
        if expert is None:
            expert = Expert.objects.create(**values)
            expert.fields.set(fields)
            expert.chains.set(chains)
            self.changed_ids.append(expert.pk)
            return "created"
        if not email:
            values["email"] = expert.email  # a row without e-mail keeps the stored one
        if not phone:
            values["phone"] = expert.phone
        changed = _save_if_changed(expert, values)
        if {field.pk for field in expert.fields.all()} != {field.pk for field in fields}:
            expert.fields.set(fields)
            changed = True
        if {chain.pk for chain in expert.chains.all()} != {chain.pk for chain in chains}:
            expert.chains.set(chains)
            changed = True
        if changed:
            self.changed_ids.append(expert.pk)
        return "updated" if changed else "unchanged"

    def finish(self) -> None:
        if self.changed_ids:
            from matching.services import schedule_index_refresh

            schedule_index_refresh(expert_ids=self.changed_ids)
