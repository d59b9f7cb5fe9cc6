-- uncaught error with level 0 (no position)
io.write("partial line without newline")
error("plain message", 0)
