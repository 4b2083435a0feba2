// populated in this issue
