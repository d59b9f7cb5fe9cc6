-- an uncaught error whose value is a number
print("start")
error(42)
