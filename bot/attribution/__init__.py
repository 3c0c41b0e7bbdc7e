"""Attribution: which visit of which Buy link an order comes from."""
