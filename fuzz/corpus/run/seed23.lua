-- uncaught arithmetic error on a global
count = 10
print(count + 1)
print(cuont + 1)
