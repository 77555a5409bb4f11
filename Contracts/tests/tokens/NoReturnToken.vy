# pragma version 0.4.3
# pragma evm-version cancun
"""
@title NoReturnToken
@notice A token for the distributor's tests whose `transfer` returns nothing (as USDT's does on
        Ethereum) yet moves the balance.
"""

balanceOf: public(HashMap[address, uint256])


@external
def transfer(receiver: address, amount: uint256):
    assert self.balanceOf[msg.sender] >= amount, "balance too low"
    self.balanceOf[msg.sender] -= amount
    self.balanceOf[receiver] += amount


@external
def mint(receiver: address, amount: uint256):
    self.balanceOf[receiver] += amount
