from hocba.cli import main

main()
