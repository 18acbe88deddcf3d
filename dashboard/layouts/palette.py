"""Colours and labels shared by every page, so a status looks the same everywhere."""

from enforcement.model import UnitStatus

STATUS_COLOURS = {
    UnitStatus.AVAILABLE: "#2ee06f",
    UnitStatus.DISPATCHED: "#ffd23f",
    UnitStatus.EN_ROUTE: "#3fa9ff",
    UnitStatus.ON_SCENE: "#ff5a36",
    UnitStatus.OFF_DUTY: "#8a94a6",
}
STALE_COLOUR = "#5b6472"

STATUS_LABELS = {
    "zh": {
        UnitStatus.AVAILABLE: "待命", UnitStatus.DISPATCHED: "已派", UnitStatus.EN_ROUTE: "途中",
        UnitStatus.ON_SCENE: "到场", UnitStatus.OFF_DUTY: "离岗",
        "stale": "信号陈旧", "offline": "离线",
    },
    "en": {
        UnitStatus.AVAILABLE: "Available", UnitStatus.DISPATCHED: "Dispatched",
        UnitStatus.EN_ROUTE: "En route", UnitStatus.ON_SCENE: "On scene",
        UnitStatus.OFF_DUTY: "Off duty", "stale": "Stale", "offline": "Offline",
    },
}

BACKGROUND = "#0b1220"
PANEL = "#111a2e"
DISTRICT_FILL = "rgba(60, 90, 140, 0.20)"
DISTRICT_LINE = "#4a6fa5"
TEXT = "#e8eef9"
MUTED = "#9fb0cc"

ALERT_COLOURS = {"locked": "#ff2d55", "chased": "#ff8a00", "overdue": "#ff5a36",
                 "due": "#ffd23f", "upcoming": "#3fa9ff"}
LEVEL_LABELS = {
    "zh": {"locked": "锁定", "chased": "督办", "overdue": "超期", "due": "今日到期",
           "upcoming": "即将到期", "paused": "暂停", "done": "完成"},
    "en": {"locked": "Locked", "chased": "Chased", "overdue": "Overdue", "due": "Due today",
           "upcoming": "Upcoming", "paused": "Paused", "done": "Done"},
}
ESCALATION_LABELS = {  # 临沭做法: who holds a case its team did not finish
    "zh": {"fast_flow": "速执团队", "deep_work": "精执团队", "sideways": "他组接办",
           "team_leader": "团队长", "bureau_chief": "执行局长", "vice_president": "分管院长"},
    "en": {"fast_flow": "fast team", "deep_work": "deep-work team", "sideways": "other team",
           "team_leader": "team leader", "bureau_chief": "bureau chief",
           "vice_president": "vice-president"},
}

# Decision analytics (决策分析): one colour per disposition and per debtor type on every chart.
DISPOSITION_COLOURS = {
    "executed_in_full": "#2ee06f", "zhongben": "#ff8a00", "terminated": "#c77dff",
    "withdrawn": "#8a94a6", "not_enforced": "#ff4d6d", "rejected": "#ffd23f",
}
HOW_COLOURS = {  # how a case was executed in full: shades of its disposition's green
    "voluntary": "#8af5b0", "coercion": "#1fae55", "settlement": "#c9f7da",
}
DEBTOR_COLOURS = {
    "natural_person": "#3fa9ff", "for_profit": "#7c83ff", "non_profit": "#36d6c3",
    "special_legal_person": "#f28cc0", "unincorporated": "#c9b458",
}
DISPOSITION_LABELS = {
    "zh": {"executed_in_full": "执行完毕", "zhongben": "终本", "terminated": "终结执行",
           "withdrawn": "销案", "not_enforced": "不予执行", "rejected": "驳回申请"},
    "en": {"executed_in_full": "Executed in full", "zhongben": "Closed for now (终本)",
           "terminated": "Terminated", "withdrawn": "Withdrawn", "not_enforced": "Not enforced",
           "rejected": "Rejected"},
}
HOW_LABELS = {
    "zh": {"voluntary": "自动履行", "coercion": "强制执行", "settlement": "和解"},
    "en": {"voluntary": "Voluntary", "coercion": "Coercion", "settlement": "Settlement"},
}
DEBTOR_LABELS = {
    "zh": {"natural_person": "自然人", "for_profit": "营利法人", "non_profit": "非营利法人",
           "special_legal_person": "特别法人", "unincorporated": "非法人组织"},
    "en": {"natural_person": "Natural person", "for_profit": "For-profit legal person",
           "non_profit": "Non-profit legal person", "special_legal_person": "Special legal person",
           "unincorporated": "Unincorporated org."},
}
DEBTOR_TYPE_LABELS = {  # a case's own debtor type: the groups, and 个体工商户 that rolls up into 自然人
    "zh": DEBTOR_LABELS["zh"] | {"individual_business": "个体工商户"},
    "en": DEBTOR_LABELS["en"] | {"individual_business": "Individual business"},
}
