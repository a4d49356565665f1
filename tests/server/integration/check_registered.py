"""Fails when a test method in test_*.py is not registered with ctest.

The integration tests are listed one by one in CMakeLists.txt (one ctest per
method, so ctest -j2 runs them in parallel and a failure names the
behaviour); a method added to a file but not to the list would silently
never run. Usage: check_registered.py <module.Class.method>...
"""
import sys
import unittest


def methods(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from methods(item)
        elif isinstance(item, unittest.loader._FailedTest):
            sys.exit("cannot load %s: %s" % (item.id(), item._exception))
        else:
            yield item.id()


def main():
    found = set(methods(unittest.TestLoader().discover(".", pattern="test_*.py")))
    registered = set(sys.argv[1:])
    missing, stale = sorted(found - registered), sorted(registered - found)
    for name in missing:
        print("not registered in CMakeLists.txt: " + name)
    for name in stale:
        print("registered but not found: " + name)
    if missing or stale:
        return 1
    print("%d test methods, all registered" % len(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
