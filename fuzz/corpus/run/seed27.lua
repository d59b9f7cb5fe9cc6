-- uncaught error with a nil value
print("x")
error(nil)
