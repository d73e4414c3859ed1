"""The ways people use the assistant, wired from the stages below.

``api`` is the Python API (``Assistant``); ``cli`` the ``assistant`` command; ``web`` the chat
page; ``openai_api`` its OpenAI-compatible endpoint (``/v1``); ``sources`` the HTML around an
answer; ``access`` who may open the page.

Imports: any stage.
"""
