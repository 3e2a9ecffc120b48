"""Template helpers: a table's body cells carry their column's header for a phone's stacked rows."""
from flask import render_template_string

from tracker.core.templating import label_cells

TABLE = """<table><thead><tr><th class="num">#</th><th>Đơn vị &amp; <abbr>xã</abbr></th><th></th></tr></thead>
<tbody><tr><td class="num">1</td><td><a href="/units/66001">Xã Ea Kao</a></td><td><form></form></td></tr>
<tr><td>2</td></tr></tbody></table>"""


def test_each_body_cell_gets_its_columns_header_as_its_label():
    html = str(label_cells(TABLE))

    assert '<td data-label="#" class="num">1</td>' in html
    assert '<td data-label="Đơn vị &amp; xã"><a href="/units/66001">' in html
    assert "<td><form>" in html  # a column without a header has no label
    assert '<tr><td data-label="#">2</td></tr>' in html
    assert '<th class="num">#</th>' in html  # the header itself is left as it was


def test_the_stacked_macro_wraps_and_labels_the_table(app):
    with app.test_request_context():
        html = render_template_string('{% from "_table.html" import stacked %}'
                                      '{% call stacked("wide") %}' + TABLE + '{% endcall %}')

    assert html.strip().startswith('<div class="table-wrap stack wide">')
    assert '<td data-label="#" class="num">1</td>' in html
