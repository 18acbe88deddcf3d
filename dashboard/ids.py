"""Every component id in one place, so a typo is an ImportError, not a silently dead callback."""

URL = "url"
PAGE = "page"
LIVE_CONFIG = "live-config"
LIVE_BOOT = "live-boot"

WALL_MAP = "wall-map"
WALL_CLOCK = "wall-clock"
WALL_DATE = "wall-date"
WALL_CONNECTION = "wall-connection"
WALL_FRESHNESS = "wall-freshness"
WALL_COUNT_PREFIX = "wall-count-"  # + status or freshness name
WALL_ALERT_COUNT_PREFIX = "wall-alerts-"  # + level
WALL_ALERT_ROWS = "wall-alert-rows"
WALL_ALERT_FOOTER = "wall-alert-footer"

CONSOLE_LEVELS = "console-levels"
CONSOLE_COURT = "console-court"
CONSOLE_NOTE = "console-note"
CONSOLE_TABLE = "console-table"
CONSOLE_MESSAGE = "console-message"
CONSOLE_VERSION = "console-version"  # bumped by live alert events: the table refreshes
CONSOLE_ACTED = "console-acted"  # bumped by each action taken here: the table refreshes
CONSOLE_ACK = "console-ack"  # pattern-matching {"type": CONSOLE_ACK, "index": alert_id}
CONSOLE_CHASE = "console-chase"
CONSOLE_UNLOCK = "console-unlock"  # {"type": CONSOLE_UNLOCK, "index": case_no}

DISPATCH_MAP = "dispatch-map"
DISPATCH_KIND = "dispatch-kind"
DISPATCH_REF = "dispatch-ref"
DISPATCH_LAT = "dispatch-lat"
DISPATCH_LON = "dispatch-lon"
DISPATCH_NOTE = "dispatch-note"
DISPATCH_FIND = "dispatch-find"
DISPATCH_RANKED = "dispatch-ranked"
DISPATCH_MESSAGE = "dispatch-message"
DISPATCH_ACTIVE = "dispatch-active"
DISPATCH_VERSION = "dispatch-version"
DISPATCH_ASSIGN = "dispatch-assign"  # pattern-matching {"type": DISPATCH_ASSIGN, "index": unit_id}
REPLAY_UNIT = "replay-unit"
REPLAY_HOURS = "replay-hours"
REPLAY_SLIDER = "replay-slider"
REPLAY_TRACK = "replay-track"  # the fetched track, for the slider to move along

INTAKE_CHANNEL = "intake-channel"
INTAKE_KIND = "intake-kind"
INTAKE_ASSET = "intake-asset"
INTAKE_FIELDS = "intake-field"  # pattern-matching {"type": INTAKE_FIELDS, "index": field name}
INTAKE_URGENT = "intake-urgent"
INTAKE_SUBMIT = "intake-submit"
INTAKE_RESULT = "intake-result"
INTAKE_RECENT = "intake-recent"
INTAKE_VERSION = "intake-version"
INTAKE_CURRENT = "intake-current"  # the tip just taken (its id), for triage
INTAKE_LINK = "intake-link"
INTAKE_REASON = "intake-reason"
INTAKE_ACCEPT = "intake-accept"
INTAKE_REJECT = "intake-reject"

WALL_INTAKE_COUNTS = "wall-intake-counts"
WALL_INTAKE_CHART = "wall-intake-chart"
WALL_INTAKE_VERSION = "wall-intake-version"
DISPATCH_TIPS = "dispatch-tips"
DISPATCH_TIP_PICK = "dispatch-tip-pick"  # pattern-matching {"type": …, "index": tip_id}

LEADER_URL = "leader-url"  # the page's own Location (no reload): its query string is the view
LEADER_FILTER_COURT = "leader-court"
LEADER_FILTER_TEAM = "leader-team"
LEADER_FILTER_DEBTOR = "leader-debtor"
LEADER_FILTER_DISPOSITION = "leader-disposition"
LEADER_FILTER_DATES = "leader-dates"  # a DatePickerRange: start_date / end_date
LEADER_PERIOD = "leader-period"  # pattern-matching {"type": LEADER_PERIOD, "index": preset}
LEADER_RESET = "leader-reset"
LEADER_PICK = "leader-pick"  # pattern-matching {"type": …, "index": "court:210102" | "team:…" | …}
LEADER_CRUMBS = "leader-crumbs"
LEADER_PERIOD_LABEL = "leader-period-label"
LEADER_TILES = "leader-tiles"
LEADER_COUNTS = "leader-counts"
LEADER_RANK_COURTS = "leader-rank-courts"
LEADER_RANK_TEAMS = "leader-rank-teams"
LEADER_DEBTOR_CHART = "leader-debtor-chart"
LEADER_DISPOSITION_CHART = "leader-disposition-chart"
LEADER_TREND_CHART = "leader-trend-chart"
LEADER_CHARTS = "leader-charts"  # the chart section, hidden while the case list shows
LEADER_CASES = "leader-cases"
LEADER_VERSION = "leader-version"  # bumped by live kpi events: the page redraws

WALL_KPI_STRIP = "wall-kpi-strip"
WALL_KPI_VERSION = "wall-kpi-version"  # bumped by live kpi events

AUDIT_ACTOR = "audit-actor"
AUDIT_ACTION = "audit-action"
AUDIT_TARGET = "audit-target"
AUDIT_FROM = "audit-from"
AUDIT_TO = "audit-to"
AUDIT_SEARCH = "audit-search"
AUDIT_PREV = "audit-prev"
AUDIT_NEXT = "audit-next"
AUDIT_PAGE = "audit-page"  # the page shown (a Store: 0, 1, 2…)
AUDIT_PAGE_LABEL = "audit-page-label"
AUDIT_TABLE = "audit-table"
AUDIT_VERIFY = "audit-verify"
AUDIT_MESSAGE = "audit-message"
