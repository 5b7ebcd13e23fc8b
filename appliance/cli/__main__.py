"""`python -m appliance.cli`: the same command line as `ofn-checkout`, for a box whose PATH lacks it."""

import sys

from appliance.cli.main import main

sys.exit(main())
