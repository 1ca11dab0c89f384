"""Chinese text for the common validation messages of a scenario (pydantic-core's fixed message templates and the
core's most frequent own checks), for the pages that show the server's errors on their fields. Applied in one
place: ``web.scenario_services.scenario_validate``, the web's only entry to the core's validation, when the active
language is Chinese. A message without a pattern here stays as the core wrote it; ``loc`` paths never change.
"""
from __future__ import annotations

import re


def _alternatives(text: str) -> str:
    """Enumerated alternatives as pydantic writes them: "'a', 'b' or 'c'" → "'a'、'b' 或 'c'"."""
    if " or " not in text:
        return text
    head, _, last = text.rpartition(" or ")
    return head.replace(", ", "、") + " 或 " + last


def _list(text: str) -> str:
    return text.replace(", ", "、")


_ACTOR_KINDS = {"data_center": "数据中心", "heat_utility": "供热企业", "grid_operator": "电网运营商",
                "renewable_plant": "新能源电站", "power_plant": "常规电厂", "storage": "储能电站", "aggregator": "聚合商"}

# (pattern of the whole message, Chinese template with the pattern's groups); first match wins.
PATTERNS: list[tuple[re.Pattern, object]] = [(re.compile(p), t) for p, t in [
    (r"Field required", "必填字段"),
    (r"Extra inputs are not permitted", "不允许额外的字段"),
    (r"Input should be greater than or equal to (?P<x>.+)", "取值应不小于 {x}"),
    (r"Input should be greater than (?P<x>.+)", "取值应大于 {x}"),
    (r"Input should be less than or equal to (?P<x>.+)", "取值应不大于 {x}"),
    (r"Input should be less than (?P<x>.+)", "取值应小于 {x}"),
    (r"Input should be a multiple of (?P<x>.+)", "取值应为 {x} 的整数倍"),
    (r"Input should be a finite number", "应为有限的数字"),
    (r"Input should be a valid number, unable to parse string as a number", "应为有效的数字，无法将字符串解析为数字"),
    (r"Input should be a valid number", "应为有效的数字"),
    (r"Input should be a valid integer, unable to parse string as an integer", "应为整数，无法将字符串解析为整数"),
    (r"Input should be a valid integer, got a number with a fractional part", "应为整数，不能有小数部分"),
    (r"Input should be a valid integer", "应为整数"),
    (r"Input should be a valid string", "应为字符串"),
    (r"Input should be a valid boolean, unable to interpret input", "应为是/否（true 或 false），无法解释输入"),
    (r"Input should be a valid boolean", "应为是/否（true 或 false）"),
    (r"Input should be a valid list", "应为列表"),
    (r"Input should be a valid array", "应为数组"),
    (r"Input should be a valid tuple", "应为数组"),
    (r"Input should be a valid dictionary or object to extract fields from", "应为对象（JSON 对象）"),
    (r"Input should be a valid dictionary or instance of (?P<x>\w+)", "应为对象（JSON 对象）"),
    (r"Input should be a valid dictionary", "应为对象（JSON 对象）"),
    (r"Input should be a valid datetime(?P<rest>.*)", "应为有效的日期时间"),
    (r"Input should be a valid date(?P<rest>.*)", "应为有效的日期"),
    (r"Input should be (?P<x>.+)", lambda m: "取值应为 " + _alternatives(m["x"])),
    (r"String should have at least (?P<n>\d+) characters?", "字符串至少应有 {n} 个字符"),
    (r"String should have at most (?P<n>\d+) characters?", "字符串最多 {n} 个字符"),
    (r"String should match pattern '(?P<p>.*)'", "字符串应符合格式 '{p}'"),
    (r"List should have at least (?P<n>\d+) items? after validation, not (?P<m>\d+)", "列表至少应有 {n} 项，现有 {m} 项"),
    (r"List should have at most (?P<n>\d+) items? after validation, not (?P<m>\d+)", "列表最多 {n} 项，现有 {m} 项"),
    (r"Tuple should have at least (?P<n>\d+) items? after validation, not (?P<m>\d+)", "数组至少应有 {n} 项，现有 {m} 项"),
    (r"Tuple should have at most (?P<n>\d+) items? after validation, not (?P<m>\d+)", "数组最多 {n} 项，现有 {m} 项"),
    (r"Unable to extract tag using discriminator '(?P<f>\w+)'", "无法从字段 '{f}' 确定种类"),
    (r"Input tag '(?P<tag>.*)' found using '(?P<f>\w+)' does not match any of the expected tags: (?P<tags>.+)",
     lambda m: f"字段 '{m['f']}' 的取值 '{m['tag']}' 不是预期的种类：{_list(m['tags'])}"),
    (r"'(?P<id>.*)' is not an? (?P<kind>\w+) of this scenario \(no party has this id\)",
     lambda m: f"'{m['id']}' 不是本情景中的{_ACTOR_KINDS.get(m['kind'], m['kind'])}（没有主体使用此标识）"),
    (r"'(?P<id>.*)' is not an? (?P<kind>\w+) of this scenario",
     lambda m: f"'{m['id']}' 不是本情景中的{_ACTOR_KINDS.get(m['kind'], m['kind'])}"),
    (r"heat recovery needs a heat_purchase contract with a heat utility", "余热回收需要与供热企业签订购热合同"),
    (r"Value error, (?P<rest>.+)", lambda m: "取值错误：" + localise_message(m["rest"])),
    (r"Assertion failed, (?P<rest>.+)", lambda m: "校验失败：" + localise_message(m["rest"])),
]]


def localise_message(msg: str) -> str:
    """A validation message in Chinese when it matches one of ``PATTERNS``; else as it is."""
    for pattern, template in PATTERNS:
        match = pattern.fullmatch(msg)
        if match:
            return template(match) if callable(template) else template.format(**match.groupdict())
    return msg


def localise_errors(errors: list[dict], lang: str) -> list[dict]:
    """``[{"loc", "msg"}]`` with each ``msg`` in ``lang`` (Chinese for ``zh*``; other languages unchanged)."""
    if not (lang or "").lower().startswith("zh"):
        return errors
    return [{**e, "msg": localise_message(str(e.get("msg", "")))} for e in errors]
