"""Charts for the chat: a ranking or a series from a store function, drawn with Plotly.

Plotly because Chainlit shows a Plotly figure as an interactive element and bundles plotly.js
in its own front end: the chart draws with no internet access. The figures themselves are in
the answer as a table; the chart is drawn from the same result, never from the model's text.
"""

import json

import plotly.graph_objects as go
from semantic_kernel.contents import ChatMessageContent, FunctionResultContent

from plugins.results import Chart


def charts_in(messages: list[ChatMessageContent]) -> list[Chart]:
    """The charts among a turn's function results (their JSON, or the objects)."""
    found = []
    for message in messages:
        for item in message.items:
            if not isinstance(item, FunctionResultContent):
                continue
            result = item.result
            if isinstance(result, Chart):
                found.append(result)
            elif isinstance(result, str) and '"rows"' in result and '"kind"' in result:
                try:
                    found.append(Chart.model_validate(json.loads(result)))
                except ValueError:
                    continue
    return [chart for chart in found if chart.rows]


def figure(chart: Chart) -> go.Figure:
    labels = [row.label for row in chart.rows]
    values = [row.value for row in chart.rows]
    if chart.kind == "line":
        trace = go.Scatter(x=labels, y=values, mode="lines+markers")
    else:  # a ranking: the best at the top
        trace = go.Bar(x=values[::-1], y=labels[::-1], orientation="h")
    unit = "revenue ($)" if chart.unit == "$" else chart.unit
    fig = go.Figure(trace)
    fig.update_layout(title=f"{chart.title}, {chart.period}", margin={"l": 10, "r": 10},
                      xaxis_title=None if chart.kind == "line" else unit,
                      yaxis_title=unit if chart.kind == "line" else None, height=420)
    return fig
