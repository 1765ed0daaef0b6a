"""genaisim scenario explorer (first page).

Run with ``make app`` or ``streamlit run app.py``. A thin shell over the library:
everything shown here can be computed from a script with ``genaisim.simulate``.
"""

from __future__ import annotations

import streamlit as st

import genaisim
from genaisim.report import outcome_table

st.set_page_config(page_title="genaisim", layout="wide")
st.title("Why some GenAI deployments compound and others stay stuck in pilots")
st.write(
    "Pick a scenario of an organisation and see how its GenAI programme unfolds over "
    "five years, over many simulated replications. The model is described in docs/ODD.md."
)

names = list(genaisim.available_scenarios())
with st.sidebar:
    name = st.selectbox("Scenario", names, index=names.index("baseline"))
    replications = st.slider("Replications", 5, 100, 20, step=5)
    seed = st.number_input("Seed", min_value=0, value=2024, step=1)


@st.cache_data(show_spinner="Simulating…")
def run(name: str, replications: int, seed: int):
    """Simulate a named scenario; cached by name, replications and seed."""
    results = genaisim.simulate(name, replications=replications, seed=seed)
    return results.timeseries, results.summary()


timeseries, summary = run(name, replications, int(seed))
scenario = genaisim.load_scenario(name)
st.subheader(scenario.name)
st.caption(scenario.description)

st.subheader("Cumulative net value (k), median over replications")
median = timeseries.groupby("month")["cumulative_net_value"].median()
st.line_chart(median, x_label="month", y_label="cumulative net value (k)")

st.subheader("Outcomes")
st.dataframe(outcome_table(summary), use_container_width=True)
st.download_button(
    "Download the summary as CSV", summary.to_csv(index=False), file_name=f"{name}_summary.csv"
)
