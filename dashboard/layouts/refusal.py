"""What a signed-in user sees on a page their role may not open: a clear refusal and the pages
they may open instead (``dashboard.policy.PAGES``)."""

from __future__ import annotations

from dash import html
from markupsafe import escape

TITLE = "无权访问此页面"
EXPLAIN = "角色 {role} 不能打开 {path}。 Your role ({role}) may not open {path}."


def refusal_layout(role: str, path: str, pages: list[str]) -> html.Div:
    return html.Div([
        html.H1(TITLE),
        html.P(EXPLAIN.format(role=role, path=path)),
        html.Ul([html.Li(html.A(page, href=page)) for page in pages]),
    ], className="not-found refused", role="alert")


def refusal_html(role: str, path: str, pages: list[str]) -> str:
    """The same refusal as a plain page, for a request the page guard turns away (403)."""
    links = "".join(f'<li><a href="{escape(p)}">{escape(p)}</a></li>' for p in pages)
    text = escape(EXPLAIN.format(role=role, path=path))
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<title>{TITLE}</title><link rel="stylesheet" href="/assets/login.css"></head>'
            f'<body><main class="login" role="alert"><h1>{TITLE}</h1><p>{text}</p>'
            f'<ul>{links}</ul><p><a href="/login">换个账号登录 · sign in as someone else</a></p>'
            '</main></body></html>')
