#!/usr/bin/env python
# The checkout's command line; an installed copy has the same as `tinhso` (config.commandline).
from config.commandline import main

if __name__ == "__main__":
    main()
