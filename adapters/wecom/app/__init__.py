"""WeCom self-built app (自建应用): XML callbacks on /wecom/callback, message/send, template cards."""
