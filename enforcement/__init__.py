"""The enforcement domain core (执行指挥中心的领域核心).

Pure rules and data: legal clocks, node catalog, field units and their fixes, dispatch ranking,
KPIs. Takes data and a clock and returns data. Imports no Flask, Dash, Socket.IO, Redis or SQL.
"""
