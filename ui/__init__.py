"""The Gradio app: a citizen chat, a front-desk lookup and an eligibility self-check."""
