"""The public HTML pages, by area:

- `dashboard`: the headline figures, the charts and the world map;
- `activities`: the activity list, its downloads and one activity's page;
- `places`: a region of the M49 tree, a country;
- `directories`: mentors, partners, mandates and the figures the report gives;
- `projects`: projects with their money and counts, and their results (planned against
  achieved);
- `filter_forms`: the sidebar filters and list options shared by the lists;
- `common`: the engine's totals made ready for templates, links into the list.

Views stay thin: records come from `selectors` (visibility and joins applied), every
count from the counting engine `stats.compute`, the SVG geometry from `charts` and
`maps`, the downloads from `exports`. A filter value the FilterSet rejects renders the
page with the error next to its field and status 400, never a 500.
"""
