/// The status page's stylesheet, served by the exporter itself at
/// `StatusPage.stylesheetPath`: the page loads nothing from elsewhere, so it
/// works offline and under `Content-Security-Policy: default-src 'self'`.
/// Below 48rem the table turns into one card per account (each cell labelled
/// by its `data-label`), so a phone needs no sideways scrolling.
enum StatusStylesheet {
    static let css = """
    :root { color-scheme: light dark; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #ffffff; --head: #f6f8fa;
      --up: #1a7f37; --stale: #9a6700; --gone: #cf222e; --waiting: #57606a; }
    @media (prefers-color-scheme: dark) {
      :root { --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --bg: #0d1117; --head: #151b23;
        --up: #3fb950; --stale: #d29922; --gone: #f85149; --waiting: #9198a1; }
    }
    * { box-sizing: border-box; }
    body { margin: 0 auto; max-width: 96rem; padding: 1rem; font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
    h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
    h2 { font-size: 1.15rem; margin: 1.5rem 0 .25rem; }
    p { margin: .25rem 0; }
    a { color: inherit; }
    nav a { margin-right: 1rem; }
    .muted { color: var(--muted); }
    .summary { font-weight: 600; }
    main { overflow-x: auto; }
    table { border-collapse: collapse; width: 100%; margin-top: .5rem; }
    th, td { text-align: left; vertical-align: top; padding: .35rem .6rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
    th { background: var(--head); font-weight: 600; }
    td.number { text-align: right; font-variant-numeric: tabular-nums; }
    td.problem { white-space: normal; overflow-wrap: anywhere; min-width: 18rem; }
    .reason { font-weight: 600; }
    code { font-family: ui-monospace, monospace; font-size: .9em; }
    .state { font-weight: 600; text-transform: uppercase; font-size: .8rem; letter-spacing: .04em; }
    tr.up .state { color: var(--up); }
    tr.stale .state { color: var(--stale); }
    tr.gone .state { color: var(--gone); }
    tr.waiting .state { color: var(--waiting); }
    tr.gone td:first-child, tr.stale td:first-child { box-shadow: inset 3px 0 0 currentColor; }
    tr.gone td:first-child { color: var(--gone); }
    tr.stale td:first-child { color: var(--stale); }
    @media (max-width: 48rem) {
      thead { display: none; }
      table, tbody, tr, td { display: block; width: 100%; }
      tr { border: 1px solid var(--line); border-radius: 6px; margin-bottom: .75rem; padding: .25rem 0; }
      td, td.problem { border: 0; padding: .15rem .6rem; white-space: normal; overflow-wrap: anywhere; min-width: 0; }
      td.number { text-align: left; }
      td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
      td:empty { display: none; }
    }

    """
}
