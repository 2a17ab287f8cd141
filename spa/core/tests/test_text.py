from spa.core.text import fold, name_problems, search_keys, sorted_key, tokens


def test_folding_removes_diacritics_and_d_stroke():
    assert fold("Đặng Thị Hoà") == "dang thi hoa"
    assert fold("NGUYỄN   thị  HOA") == "nguyen thi hoa"


def test_decomposed_input_folds_like_composed():
    decomposed = "Nguye\u0302\u0303n"  # e + circumflex + tilde as combining marks
    assert fold(decomposed) == "nguyen"


def test_chinese_characters_are_tokens_of_their_own():
    assert tokens(fold("王秀英")) == ["王", "秀", "英"]
    assert tokens(fold("Lý 王秀")) == ["ly", "王", "秀"]


def test_word_order_does_not_change_the_sorted_key():
    assert sorted_key(tokens(fold("Hoa Nguyễn Thị"))) == sorted_key(tokens(fold("Nguyễn Thị Hoa")))


def test_search_keys_hold_tokens_and_ordered_pairs():
    keys = search_keys(["nguyen", "thi", "hoa"])
    assert {"nguyen", "thi", "hoa", "+nguyen hoa", "+hoa nguyen", "+thi hoa"} <= set(keys)
    assert len(keys) == 3 + 6


def test_names_with_markup_digits_or_controls_are_flagged():
    assert name_problems("Nguyễn Thị Hoa") is None
    assert name_problems("王秀英") is None
    assert name_problems("Mary-Jane O'Neil") is None
    assert name_problems("<script>alert(1)</script>") == "<"
    assert name_problems("Hoa 2") == "2"
    assert name_problems("Hoa\x00") == "\x00"
