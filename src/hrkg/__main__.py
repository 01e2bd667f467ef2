from hrkg.cli import main

main()
