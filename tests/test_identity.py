import datetime as dt

from eligibility.contract import check_character, id_birth_date, id_problem, mask_id, mask_name


def test_check_character_of_a_known_number():
    assert "2" == check_character("44051119700501002")


def test_check_character_can_be_x():
    # 11010519491231002X is the standard's worked example
    assert "X" == check_character("11010519491231002")


def test_wrong_check_character_is_reported_without_quoting_the_number():
    problem = id_problem("440511197005010023")
    assert "check character" in problem
    assert "440511" not in problem


def test_impossible_birth_date_is_reported():
    first17 = "44051119700231002"
    assert "birth date" in id_problem(first17 + check_character(first17))


def test_birth_date_is_read_from_digits_7_to_14():
    assert dt.date(1970, 5, 1) == id_birth_date("440511197005010022")


def test_masking_keeps_region_prefix_and_last_four():
    assert "4405**********0022" == mask_id("440511197005010022")


def test_name_masking_keeps_the_first_character():
    assert "陈**" == mask_name("陈某某")
