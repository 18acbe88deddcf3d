from enforcement.credentials import new_password


def test_generated_passwords_can_follow_a_flag() -> None:
    """token_urlsafe starts with - or _ about one time in 32; ``--password -x…`` breaks argparse."""
    drawn = [new_password() for _ in range(2000)]
    assert all(p[0].isalnum() and len(p) >= 16 for p in drawn)
    assert len(set(drawn)) == len(drawn)
