"""WeCom AI bot (智能机器人): JSON callbacks on /wecom/aibot, streamed answers, response_url."""
