"""bench/screen_pop: the screen-pop lookup (caller phone number -> customer card) with 3 million clients."""
