# pragma version 0.4.3
# pragma evm-version cancun
"""
@title FalseToken
@notice A broken token for the distributor's tests: `transfer` moves nothing and returns False,
        as some tokens do instead of reverting.
"""

balanceOf: public(HashMap[address, uint256])


@external
def transfer(receiver: address, amount: uint256) -> bool:
    return False
