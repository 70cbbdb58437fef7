module step6

go 1.19
