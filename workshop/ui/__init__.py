"""The only Streamlit code besides app.py: page builders, widgets and charts."""
