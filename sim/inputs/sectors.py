"""The five technology sectors of the joint clusters and how they supply each other."""

import numpy as np

#: Sector key -> label. Order defines the integer sector code used in the firm columns.
SECTORS: dict[str, str] = {
    "machinery": "Machinery & vehicles",
    "electrical": "Electrical & electronics",
    "chemicals": "Chemicals",
    "ict": "ICT",
    "agrifood": "Agri-food technology",
}
N_SECTORS = len(SECTORS)

#: SUPPLIES[a, b] = 1 where sector a is a typical supplier of sector b (vertical ties).
#: Assumed from the usual input-output structure of manufacturing: chemicals and electrical
#: components feed machinery; ICT feeds everyone; machinery equips agri-food processing.
SUPPLIES = np.array(
    [
        # to: mach elec chem ict agri
        [1, 0, 0, 0, 1],  # machinery
        [1, 1, 0, 1, 1],  # electrical
        [1, 1, 1, 0, 1],  # chemicals
        [1, 1, 1, 1, 1],  # ict
        [0, 0, 0, 0, 1],  # agrifood
    ],
    dtype=bool,
)
