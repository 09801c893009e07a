"""What the tests share: vaults to test on, the commands run on them, and stand-ins for the
processes a vault meets (an editor, a watcher, a second writer). No test module imports another."""
