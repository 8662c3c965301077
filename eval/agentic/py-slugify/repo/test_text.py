import unittest

from text import slugify, title_case


class TextTest(unittest.TestCase):
    def test_simple(self):
        self.assertEqual(slugify("hello"), "hello")

    def test_punctuation(self):
        self.assertEqual(slugify("Hello, World!"), "hello-world")

    def test_spaces(self):
        self.assertEqual(slugify("  many   spaces  "), "many-spaces")

    def test_title_case(self):
        self.assertEqual(title_case("the quick fox"), "The Quick Fox")


if __name__ == "__main__":
    unittest.main()
