"""微信客服: events on the self-built app's callback, kf/sync_msg in, kf/send_msg out."""
