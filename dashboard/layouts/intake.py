"""The intake page (接警登记): one screen a call-taker fills during the call, then triages."""

from __future__ import annotations

from dash import dcc, html

from dashboard import ids
from dashboard.layouts.console import nav

FIELDS = [  # (field, label, placeholder, wide)
    ("caller_name", "来电人", "姓名（可不填）", False),
    ("caller_phone", "联系电话", "手机或座机", False),
    ("case_no", "案号", "（2026）辽0102执1234号", False),
    ("debtor_name", "被执行人", "姓名或单位名称", False),
    ("debtor_id_no", "身份证号/信用代码", "18 位", False),
    ("address", "地点", "地址、小区、地标，如：太原街万达广场", True),
    ("description", "线索内容", "看到了什么、何时、车辆牌照、房产位置……", True),
]
KINDS = [("debtor_whereabouts", "下落线索"), ("property_lead", "财产线索"), ("complaint", "投诉"),
         ("consultation", "咨询"), ("other", "其他")]
CHANNELS = [("phone", "值班电话"), ("12368", "12368"), ("walk_in", "来访"), ("online", "网上")]
ASSETS = [("vehicle", "车辆"), ("real_estate", "不动产"), ("deposit", "存款"), ("goods", "动产"),
          ("equity", "股权")]


def _field(name: str, label: str, placeholder: str, wide: bool) -> html.Label:
    widget = (dcc.Textarea if name == "description" else dcc.Input)(
        id={"type": ids.INTAKE_FIELDS, "index": name}, placeholder=placeholder,
        maxLength=2000 if name == "description" else 200)
    return html.Label([label, widget], className="wide" if wide else "")


def intake_layout(*, lang: str) -> html.Div:
    form = html.Div([
        html.Div([
            html.Label(["来源", dcc.RadioItems(id=ids.INTAKE_CHANNEL, value="phone", inline=True,
                                               options=[{"label": v, "value": k}
                                                        for k, v in CHANNELS])]),
            html.Label(["类型", dcc.RadioItems(id=ids.INTAKE_KIND, value="debtor_whereabouts",
                                               inline=True, options=[{"label": v, "value": k}
                                                                     for k, v in KINDS])],
                       className="wide"),
            html.Label(["财产类别", dcc.Dropdown(id=ids.INTAKE_ASSET, clearable=True,
                                                 options=[{"label": v, "value": k}
                                                          for k, v in ASSETS])]),
            dcc.Checklist(id=ids.INTAKE_URGENT, inline=True, value=[],
                          options=[{"label": "紧急", "value": "urgent"},
                                   {"label": "申请悬赏", "value": "reward"}]),
            *[_field(*spec) for spec in FIELDS],
        ], className="form-grid"),
        html.Button("登记", id=ids.INTAKE_SUBMIT, className="primary"),
    ], className="panel")
    triage = html.Div([
        html.H2("研判"),
        html.Div(id=ids.INTAKE_RESULT, className="result"),
        html.Div([
            html.Label(["关联案件", dcc.Dropdown(id=ids.INTAKE_LINK, options=[])]),
            html.Label(["理由", dcc.Input(id=ids.INTAKE_REASON, maxLength=500,
                                          placeholder="不予受理须写明理由")]),
        ], className="form-grid"),
        html.Button("受理", id=ids.INTAKE_ACCEPT, className="primary"),
        html.Button("不予受理", id=ids.INTAKE_REJECT, className="secondary"),
        dcc.Store(id=ids.INTAKE_CURRENT),
    ], className="panel")
    return html.Div([
        html.Header([html.H1("接警登记"), nav("/intake", lang)], className="console-header"),
        html.Main([html.Div([form], className="column-a"),
                   html.Div([triage, html.Div([html.H2("近 24 小时"),
                                               html.Div(id=ids.INTAKE_RECENT)],
                                              className="panel")], className="column-b")],
                  className="intake-body"),
        dcc.Store(id=ids.INTAKE_VERSION, data=0),
        dcc.Store(id=ids.LIVE_CONFIG, data={"namespace": "/live", "topics": ["tips"],
                                           "lang": lang, "bump": {"store": ids.INTAKE_VERSION,
                                                                  "events": ["tip"]}}),
    ], className="console intake", lang="zh-CN")
