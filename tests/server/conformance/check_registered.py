"""Fails when a case class in test_*.py is not registered with ctest.

The conformance cases are registered one class (one section against one
endpoint) per ctest in CMakeLists.txt; a class added to a file but not to
the list would silently never run. Usage: check_registered.py <module.Class>...
"""
import sys
import unittest


def classes(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from classes(item)
        elif isinstance(item, unittest.loader._FailedTest):
            sys.exit("cannot load %s: %s" % (item.id(), item._exception))
        else:
            yield item.id().rsplit(".", 1)[0]


def main():
    found = set(classes(unittest.TestLoader().discover(".", pattern="test_*.py")))
    registered = set(sys.argv[1:])
    for name in sorted(found - registered):
        print("not registered in CMakeLists.txt: " + name)
    for name in sorted(registered - found):
        print("registered but not found: " + name)
    if found != registered:
        return 1
    print("%d case classes, all registered" % len(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
