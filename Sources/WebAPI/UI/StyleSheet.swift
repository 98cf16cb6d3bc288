/// The pages' one stylesheet: system fonts, light and dark colour schemes, visible focus.
enum StyleSheet {
    static let text = #"""
:root { color-scheme: light dark; --fg: #1d2125; --muted: #5c6670; --bg: #fff; --panel: #f4f6f8;
  --line: #d5dae0; --accent: #b3400f; --on-accent: #fff; --up: #17742d; --down: #b3261e; --unknown: #7a6300; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e3e6ea; --muted: #a3acb5; --bg: #15181b; --panel: #1f2428; --line: #3a4148;
    --accent: #ff8a50; --on-accent: #15181b; --up: #5fd37a; --down: #ff7b72; --unknown: #e3c14d; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1em; top: .5em; background: var(--bg); padding: .3em .6em; z-index: 2; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
header { background: var(--panel); border-bottom: 1px solid var(--line); }
nav { display: flex; flex-wrap: wrap; gap: .2em 1.2em; align-items: baseline; padding: .6em 1.2em; }
nav .brand { font-weight: 700; margin-right: .6em; }
nav .brand small { font-weight: 400; color: var(--muted); }
nav a { text-decoration: none; color: var(--fg); padding: .15em 0; }
nav a[aria-current="page"] { border-bottom: 2px solid var(--accent); font-weight: 600; }
main { padding: 1em 1.2em 3em; max-width: 110em; }
h1 { font-size: 1.35em; margin: .2em 0 .6em; }
h2 { font-size: 1.1em; margin: 1.4em 0 .5em; }
.muted { color: var(--muted); }
input, select, textarea, button { font: inherit; color: inherit; }
input, select, textarea { background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: .25em .4em; }
button { background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: .3em .9em; cursor: pointer; }
button[type="submit"] { background: var(--accent); color: var(--on-accent); border-color: var(--accent); font-weight: 600; }
.expr-row { display: flex; gap: .5em; align-items: stretch; margin-top: .2em; }
.expr-row textarea { flex: 1; font-family: ui-monospace, Menlo, Consolas, monospace; resize: vertical; min-height: 2.6em; }
#expr-hint { margin: .2em 0 .6em; font-size: .9em; }
.controls { display: flex; flex-wrap: wrap; gap: .6em 1.2em; align-items: center; margin-bottom: .8em; }
fieldset { border: 0; padding: 0; margin: 0; display: flex; gap: .8em; align-items: center; }
legend { float: left; margin-right: .6em; padding: 0; }
.error { border: 1px solid var(--down); border-left-width: 5px; padding: .5em .8em; margin: .8em 0; border-radius: 4px; }
.error pre { margin: .5em 0 0; }
mark.error-at { background: var(--down); color: var(--bg); border-radius: 2px; }
pre, code, .mono { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .92em; }
pre { background: var(--panel); padding: .7em; border-radius: 4px; overflow: auto; }
table { border-collapse: collapse; width: 100%; margin: .3em 0 1em; }
th, td { text-align: left; vertical-align: top; padding: .35em .6em; border-bottom: 1px solid var(--line); }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.labels { word-break: break-word; }
.label { display: inline-block; background: var(--panel); border: 1px solid var(--line); border-radius: 3px;
  padding: 0 .35em; margin: 0 .25em .2em 0; font-size: .88em; }
.state { font-weight: 700; font-size: .85em; padding: .05em .45em; border-radius: 3px; border: 1px solid currentColor; }
.state.up { color: var(--up); } .state.down { color: var(--down); } .state.unknown { color: var(--unknown); }
details.pool { border: 1px solid var(--line); border-radius: 4px; margin-bottom: .8em; }
details.pool > summary { padding: .5em .8em; cursor: pointer; background: var(--panel); font-weight: 600; }
details.pool > table { margin: 0; table-layout: fixed; }
.pool col.endpoint { width: 22%; } .pool col.state-col { width: 7em; } .pool col.labels-col { width: 28%; }
.pool col.scrape { width: 8em; } .pool col.duration { width: 7em; }
.target-error { overflow-wrap: anywhere; }
.notice { border: 1px solid var(--line); border-left-width: 5px; padding: .5em .8em; margin: .8em 0; border-radius: 4px; }
@media (max-width: 700px) {
  details.pool > table, .pool tbody, .pool tr, .pool td { display: block; width: auto; }
  .pool thead, .pool colgroup { display: none; }
  .pool tr { border-bottom: 1px solid var(--line); padding: .4em 0; }
  .pool td { border: 0; padding: .15em .8em; text-align: left; }
  .pool td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
}
.chart { position: relative; margin: .5em 0; }
.chart svg { display: block; width: 100%; height: auto; font-size: 11px; }
.chart .axis text { fill: var(--muted); }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .series { fill: none; stroke-width: 1.6; }
.chart .series.faded { opacity: .2; }
.chart .cursor { stroke: var(--muted); stroke-dasharray: 3 3; }
.tooltip { position: absolute; pointer-events: none; background: var(--bg); border: 1px solid var(--line);
  border-radius: 4px; padding: .4em .6em; font-size: .85em; box-shadow: 0 2px 8px rgba(0,0,0,.2); max-width: 34em; }
.legend { list-style: none; padding: 0; margin: .4em 0 1em; columns: 2 28em; font-size: .9em; }
.legend li { break-inside: avoid; padding: .1em 0; }
.swatch { display: inline-block; width: .9em; height: .9em; border-radius: 2px; margin-right: .4em; vertical-align: -.1em; }
.kv th { width: 16em; }
"""#
}
