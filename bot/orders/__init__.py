"""The money path's services: order callbacks, notices to merchants and experts, settlement."""
